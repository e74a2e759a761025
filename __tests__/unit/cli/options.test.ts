import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { parse } from 'yaml';
import { main } from '../../../src/cli/main.ts';
import { ACTION_ONLY_INPUTS, BOOLEAN_INPUTS, INPUT_OPTIONS } from '../../../src/cli/options.ts';

const root = path.resolve(import.meta.dirname, '..', '..', '..');
const metadata = parse(fs.readFileSync(path.join(root, 'action.yml'), 'utf8')) as { inputs: Record<string, { default?: string }> };

function capture() {
  let text = '';
  const stream = new Writable({ write: (chunk, _encoding, done) => ((text += chunk.toString()), done()) });
  return { stream, text: () => text };
}

describe('the CLI mirrors the inputs', () => {
  it('has an option for every input of action.yml but the pull-request comment\'s, and no other', () => {
    assert.deepEqual([...INPUT_OPTIONS, ...ACTION_ONLY_INPUTS].sort(), Object.keys(metadata.inputs).sort());
  });

  it('treats as true/false exactly the inputs whose default is true or false', () => {
    const booleans = Object.entries(metadata.inputs).filter(([, input]) => input.default === 'true' || input.default === 'false').map(([name]) => name);
    assert.deepEqual([...BOOLEAN_INPUTS].sort(), booleans.sort());
  });

  it('reads `--name value`, `--name=value` and a bare boolean flag', async () => {
    const model = path.join(root, '__tests__', 'fixtures', 'models', 'paris');
    const out = capture();
    const err = capture();
    const code = await main(['validate', model, '--bucket', 'other-bucket', '--fail-on-warnings', '--aws-region=eu-west-3', '--summary'], {}, out.stream, err.stream);
    assert.equal(code, 0, err.text());
    assert.match(out.text(), /\| S3 bucket \| `other-bucket` \| input `bucket` \|/);
  });

  it('refuses an unknown option with the usage', async () => {
    const err = capture();
    const code = await main(['validate', '.', '--buckt', 'x'], {}, capture().stream, err.stream);
    assert.equal(code, 2);
    assert.match(err.text(), /Unknown option '--buckt'/);
    assert.match(err.text(), /Usage: quetzal-deploy/);
  });

  it('takes inputs from QUETZAL_ environment variables', async () => {
    const model = path.join(root, '__tests__', 'fixtures', 'models', 'paris');
    const out = capture();
    const code = await main(['validate', model, '--summary'], { QUETZAL_LAMBDA_FUNCTION: 'from-env' }, out.stream, capture().stream);
    assert.equal(code, 0);
    assert.match(out.text(), /\| Lambda function \| `from-env` \| input `lambda-function` \|/);
  });
});
