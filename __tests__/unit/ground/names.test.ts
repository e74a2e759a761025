import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseEnvFile } from '../../../src/ground/env-file.ts';
import { checkName, resolveNames } from '../../../src/ground/names.ts';

const ENV = '/model/.env';
const resolve = (text: string | null, overrides = {}) => resolveNames(ENV, text === null ? null : parseEnvFile(text), overrides);

describe('resource names', () => {
  it('takes the three names of the documented template, and the state machine from the Lambda', () => {
    const { names, findings } = resolve('AWS_ECR_REPO_NAME=repo-a\nAWS_LAMBDA_FUNCTION_NAME=fn-a\nAWS_BUCKET_NAME=bucket-a\n');
    assert.deepEqual(findings, []);
    assert.equal(names.ecrRepository?.value, 'repo-a');
    assert.equal(names.lambdaFunction?.value, 'fn-a');
    assert.equal(names.bucket?.value, 'bucket-a');
    assert.equal(names.stateMachine?.value, 'fn-a');
    assert.match(names.bucket!.source, /\.env line 3 \(AWS_BUCKET_NAME\)/);
  });

  it('lets AWS_ECR_REPO_NAME alone (the newer template) name all four resources', () => {
    const { names, findings } = resolve('AWS_ECR_REPO_NAME=quetzal-paris\n');
    assert.deepEqual(findings, []);
    for (const kind of ['ecrRepository', 'lambdaFunction', 'bucket', 'stateMachine'] as const) {
      assert.equal(names[kind]?.value, 'quetzal-paris', kind);
    }
    assert.match(names.bucket!.source, /names every resource/);
  });

  it('lets inputs override .env, and says so', () => {
    const { names } = resolve('AWS_ECR_REPO_NAME=quetzal-paris\n', { bucket: 'other-bucket', stateMachine: 'sm-x' });
    assert.equal(names.bucket?.value, 'other-bucket');
    assert.equal(names.bucket?.source, 'input `bucket`');
    assert.equal(names.stateMachine?.value, 'sm-x');
  });

  it('takes the state machine name from a Lambda ARN', () => {
    const { names } = resolve(null, {
      ecrRepository: 'r1',
      bucket: 'b12',
      lambdaFunction: 'arn:aws:lambda:ca-central-1:123456789012:function:quetzal-paris',
    });
    assert.equal(names.stateMachine?.value, 'quetzal-paris');
  });

  it('flags the leftover <model_name> placeholder once, at its .env line and value column', () => {
    const { findings } = resolve('# names\nAWS_ECR_REPO_NAME=<model_name>\n');
    assert.equal(findings.length, 1);
    assert.equal(findings[0].severity, 'error');
    assert.equal(findings[0].line, 2);
    assert.equal(findings[0].column, 19);
    assert.match(findings[0].message, /placeholder <model_name>.*replace it/);
  });

  it('flags each placeholder line of the three-name template', () => {
    const { findings } = resolve('AWS_ECR_REPO_NAME=<model_name>\nAWS_LAMBDA_FUNCTION_NAME=<model_name>\nAWS_BUCKET_NAME=<model_name>\n');
    assert.deepEqual(findings.map((finding) => finding.line), [1, 2, 3]);
  });

  it('reports a missing name with what to set', () => {
    const { findings } = resolve('SOMETHING_ELSE=1\n');
    assert.equal(findings.length, 4);
    assert.ok(findings.every((finding) => finding.rule === 'names/missing'));
    assert.match(findings[0].message, /AWS_ECR_REPO_NAME/);
  });

  it('points a bad bucket name at its line, with the S3 rule', () => {
    const { findings } = resolve('AWS_ECR_REPO_NAME=quetzal-paris\nAWS_BUCKET_NAME=Quetzal_Paris\n');
    assert.equal(findings.length, 1);
    assert.equal(findings[0].line, 2);
    assert.match(findings[0].message, /S3 bucket names/);
  });
});

describe('the names AWS accepts', () => {
  const cases: Array<[Parameters<typeof checkName>[0], string, boolean]> = [
    ['bucket', 'quetzal-paris', true],
    ['bucket', 'ab', false],
    ['bucket', 'a'.repeat(64), false],
    ['bucket', 'quetzal..paris', false],
    ['bucket', '192.168.1.1', false],
    ['bucket', 'xn--quetzal', false],
    ['bucket', 'quetzal-s3alias', false],
    ['bucket', '-quetzal', false],
    ['ecrRepository', 'quetzal/paris-model', true],
    ['ecrRepository', 'Quetzal', false],
    ['ecrRepository', 'quetzal--paris', false],
    ['ecrRepository', 'quetzal/', false],
    ['lambdaFunction', 'quetzal_paris-1', true],
    ['lambdaFunction', 'quetzal paris', false],
    ['lambdaFunction', 'a'.repeat(65), false],
    ['lambdaFunction', 'arn:aws:lambda:ca-central-1:123456789012:function:quetzal-paris', true],
    ['stateMachine', 'quetzal-paris', true],
    ['stateMachine', 'quetzal paris', false],
    ['stateMachine', 'quetzal:paris', false],
    ['stateMachine', 'a'.repeat(81), false],
    ['stateMachine', 'arn:aws:states:ca-central-1:123456789012:stateMachine:quetzal-paris', true],
    ['stateMachine', 'arn:aws:states:ca-central-1:1234:stateMachine:x', false],
  ];
  for (const [kind, value, accepted] of cases) {
    it(`${accepted ? 'accepts' : 'refuses'} ${kind} "${value.length > 30 ? `${value.slice(0, 12)}… (${value.length})` : value}"`, () => {
      assert.equal(checkName(kind, value) === undefined, accepted, checkName(kind, value));
    });
  }
});
