import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Runner } from '../../../src/action/runner.ts';
import { parseAnnotations, parseOutputs } from '../../helpers/action.ts';

function runnerWith(env: NodeJS.ProcessEnv = {}) {
  const lines: string[] = [];
  return { runner: new Runner(env, (text) => lines.push(text)), printed: () => lines.join('') };
}

describe('the runner protocol', () => {
  it('reads inputs from INPUT_ variables, upper-cased, hyphens kept, trimmed', () => {
    const { runner } = runnerWith({ 'INPUT_MODEL-FOLDER': '  models/paris \n', INPUT_MODE: 'plan' });
    assert.equal(runner.getInput('model-folder'), 'models/paris');
    assert.equal(runner.getInput('mode'), 'plan');
    assert.equal(runner.getInput('bucket'), '');
  });

  it('writes annotations the runner parses back, with newlines and separators escaped', () => {
    const { runner, printed } = runnerWith();
    runner.annotate('error', 'line one\nline two: 100% sure', { file: 'a,b:c.json', startLine: 3, startColumn: 7, title: 'json/syntax' });
    assert.equal(printed().split('\n').filter(Boolean).length, 1, 'one command, whatever the message holds');
    assert.deepEqual(parseAnnotations(printed()), [
      { level: 'error', file: 'a,b:c.json', line: 3, col: 7, title: 'json/syntax', message: 'line one\nline two: 100% sure' },
    ]);
  });

  it('prints no line a runner would obey, whatever a log message or an annotation holds', () => {
    const { runner, printed } = runnerWith();
    runner.info('To delete:\n  base/x\n::add-mask::y\r::warning::z');
    runner.info('  ::stop-commands::token');
    runner.annotate('warning', 'state "A\u001b[2J" ##[set-env name=X]1', { title: 'asl/x' });
    runner.debug('key ##[error]forged');
    const lines = printed().split(os.EOL).filter(Boolean);
    const commands = lines.filter((line) => /^\s*::/.test(line));
    assert.deepEqual(commands.map((line) => line.split('::')[1]), ['warning title=asl/x', 'debug'], 'only the two commands the action wrote');
    assert.ok(lines.every((line) => !line.includes('##[') && !line.includes('\u001b')), lines.join('\n'));
    assert.deepEqual(parseAnnotations(printed()).map((a) => a.message), ['state "A\\e[2J" #\\x23[set-env name=X]1']);
  });

  it('masks a secret with add-mask, and never for an empty value', () => {
    const { runner, printed } = runnerWith();
    runner.setSecret('');
    runner.setSecret('s3cr3t');
    assert.equal(printed(), `::add-mask::s3cr3t${os.EOL}`);
  });

  it('appends outputs to GITHUB_OUTPUT with a fresh delimiter, multi-line values included', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'out-')), 'output');
    fs.writeFileSync(file, '');
    const { runner } = runnerWith({ GITHUB_OUTPUT: file });
    runner.setOutput('image-uri', 'repo@sha256:abc');
    runner.setOutput('plan', '{\n  "a": 1\n}');
    assert.deepEqual(parseOutputs(fs.readFileSync(file, 'utf8')), { 'image-uri': 'repo@sha256:abc', plan: '{\n  "a": 1\n}' });
  });

  it('wraps a task in a group that closes even when the task fails', async () => {
    const { runner, printed } = runnerWith();
    await assert.rejects(runner.group('Image', async () => {
      throw new Error('boom');
    }));
    assert.equal(printed(), `::group::Image${os.EOL}::endgroup::${os.EOL}`);
  });

  it('appends the summary to GITHUB_STEP_SUMMARY', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sum-')), 'summary');
    const { runner } = runnerWith({ GITHUB_STEP_SUMMARY: file });
    runner.appendSummary('## one\n');
    runner.appendSummary('## two\n');
    assert.equal(fs.readFileSync(file, 'utf8'), '## one\n## two\n');
  });
});
