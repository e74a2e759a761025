import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseEnvFile } from '../../../src/ground/env-file.ts';

describe('.env parsing, as dotenv reads it', () => {
  it('reads plain assignments with their line and value column', () => {
    const env = parseEnvFile('AWS_ECR_REPO_NAME=quetzal-paris\nAWS_BUCKET_NAME=quetzal-paris-data\n');
    assert.deepEqual(env.get('AWS_ECR_REPO_NAME'), { value: 'quetzal-paris', line: 1, column: 19 });
    assert.deepEqual(env.get('AWS_BUCKET_NAME'), { value: 'quetzal-paris-data', line: 2, column: 17 });
  });

  it('skips comments and blank lines, strips quotes and `export`, and accepts CRLF', () => {
    const env = parseEnvFile('# the model\r\n\r\nexport AWS_ECR_REPO_NAME="quetzal-lyon"  # inline\r\nAWS_BUCKET_NAME=\'b-lyon\'\r\n');
    assert.equal(env.get('AWS_ECR_REPO_NAME')?.value, 'quetzal-lyon');
    assert.equal(env.get('AWS_ECR_REPO_NAME')?.line, 3);
    assert.equal(env.get('AWS_ECR_REPO_NAME')?.column, 26);
    assert.equal(env.get('AWS_BUCKET_NAME')?.value, 'b-lyon');
    assert.equal(env.get('AWS_BUCKET_NAME')?.line, 4);
  });

  it('keeps the last assignment of a repeated key, and points at it', () => {
    const env = parseEnvFile('AWS_ECR_REPO_NAME=first\nAWS_ECR_REPO_NAME=second\n');
    assert.deepEqual(env.get('AWS_ECR_REPO_NAME'), { value: 'second', line: 2, column: 19 });
  });

  it('reads the template placeholder as the value, for the name checks to flag', () => {
    const env = parseEnvFile('AWS_ECR_REPO_NAME=<model_name>\n');
    assert.equal(env.get('AWS_ECR_REPO_NAME')?.value, '<model_name>');
  });
});
