import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Runner } from '../../../src/action/runner.ts';
import { parseAnnotations, parseOutputs } from '../../helpers/action.ts';

/**
 * Runs `task` with `env` added to process.env (which @actions/core reads) and what it writes to stdout captured.
 * Only strings are captured: the test runner's own reports, which it may write meanwhile, are buffers.
 */
async function withRunner(env: NodeJS.ProcessEnv, task: (runner: Runner) => unknown): Promise<string> {
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  const write = process.stdout.write;
  let printed = '';
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) =>
    typeof chunk === 'string' ? ((printed += chunk), true) : write.call(process.stdout, chunk, ...rest)) as typeof write;
  const setEnv = (values: NodeJS.ProcessEnv): void => {
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
  setEnv(env);
  try {
    await task(new Runner());
  } finally {
    process.stdout.write = write;
    setEnv(saved);
  }
  return printed;
}

describe('the runner protocol', () => {
  it('reads inputs from INPUT_ variables, upper-cased, hyphens kept, trimmed', async () => {
    await withRunner({ 'INPUT_MODEL-FOLDER': '  models/paris \n', INPUT_MODE: 'plan', INPUT_BUCKET: undefined }, (runner) => {
      assert.equal(runner.getInput('model-folder'), 'models/paris');
      assert.equal(runner.getInput('mode'), 'plan');
      assert.equal(runner.getInput('bucket'), '');
    });
  });

  it('writes annotations the runner parses back, with newlines and separators escaped', async () => {
    const printed = await withRunner({}, (runner) =>
      runner.annotate('error', 'line one\nline two: 100% sure', { file: 'a,b:c.json', startLine: 3, startColumn: 7, title: 'json/syntax' }),
    );
    assert.equal(printed.split('\n').filter(Boolean).length, 1, 'one command, whatever the message holds');
    assert.deepEqual(parseAnnotations(printed), [
      { level: 'error', file: 'a,b:c.json', line: 3, col: 7, title: 'json/syntax', message: 'line one\nline two: 100% sure' },
    ]);
  });

  it('prints no line a runner would obey, whatever a log message, an annotation or a group title holds', async () => {
    const printed = await withRunner({}, async (runner) => {
      runner.info('To delete:\n  base/x\n::add-mask::y\r::warning::z');
      runner.info('  ::stop-commands::token');
      runner.annotate('warning', 'state "A\u001b[2J" ##[set-env name=X]1', { title: 'asl/x', file: '::x ##[y' });
      runner.debug('key ##[error]forged');
      runner.setFailed('failed\n::error::forged');
      await runner.group('scenario ##[endgroup]', async () => {});
    });
    const lines = printed.split(os.EOL).filter(Boolean);
    const commands = lines.filter((line) => /^\s*::/.test(line));
    assert.deepEqual(
      commands.map((line) => line.split('::')[1]),
      ['warning title=asl/x,file=\\x3a%3Ax #\\x23[y', 'debug', 'error', 'group', 'endgroup'],
      'only the commands the action wrote',
    );
    assert.ok(lines.every((line) => !line.includes('##[') && !line.includes('\u001b')), lines.join('\n'));
    assert.deepEqual(parseAnnotations(printed).map((a) => a.message), ['state "A\\e[2J" #\\x23[set-env name=X]1', 'failed\n\\x3a:error::forged']);
    assert.equal(process.exitCode, 1, 'setFailed fails the step');
    process.exitCode = undefined;
  });

  it('masks a secret with add-mask as it is, and never for an empty value', async () => {
    const printed = await withRunner({}, (runner) => {
      runner.setSecret('');
      runner.setSecret('s3cr3t');
      runner.setSecret('::a##[b\nc%');
    });
    assert.equal(printed, `::add-mask::s3cr3t${os.EOL}::add-mask::::a##[b%0Ac%25${os.EOL}`);
  });

  it('appends outputs to GITHUB_OUTPUT with a fresh delimiter, multi-line values included', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'out-')), 'output');
    fs.writeFileSync(file, '');
    const printed = await withRunner({ GITHUB_OUTPUT: file }, (runner) => {
      runner.setOutput('image-uri', 'repo@sha256:abc');
      runner.setOutput('plan', '{\n  "a": 1\n}');
    });
    assert.equal(printed, '');
    assert.deepEqual(parseOutputs(fs.readFileSync(file, 'utf8')), { 'image-uri': 'repo@sha256:abc', plan: '{\n  "a": 1\n}' });
  });

  it('prints an output as a log line when there is no GITHUB_OUTPUT', async () => {
    const printed = await withRunner({ GITHUB_OUTPUT: '' }, (runner) => runner.setOutput('plan', '{\n::warning::x\n}'));
    assert.equal(printed, `output plan={\n\\x3a:warning::x\n}${os.EOL}`);
  });

  it('wraps a task in a group that closes even when the task fails', async () => {
    const printed = await withRunner({}, (runner) =>
      assert.rejects(runner.group('Image', async () => {
        throw new Error('boom');
      })),
    );
    assert.equal(printed, `::group::Image${os.EOL}::endgroup::${os.EOL}`);
  });

  it('appends the summary to GITHUB_STEP_SUMMARY (the file the runner made), and writes none without one', async () => {
    await withRunner({ GITHUB_STEP_SUMMARY: '' }, (runner) => runner.appendSummary('## nowhere\n'));
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sum-')), 'summary');
    fs.writeFileSync(file, '');
    const printed = await withRunner({ GITHUB_STEP_SUMMARY: file }, async (runner) => {
      await runner.appendSummary('## one\n');
      await runner.appendSummary('## two\n');
    });
    assert.equal(printed, '');
    assert.equal(fs.readFileSync(file, 'utf8'), '## one\n## two\n');
  });
});
