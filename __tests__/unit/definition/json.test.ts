import { strict as assert } from 'node:assert';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { type Node, parseTree } from 'jsonc-parser';
import { generateLargeDefinition } from '../../fixtures/asl/generate-large.ts';
import { treeOfValidJson } from '../../../src/validate/definition/fast-tree.ts';
import { FILE, machine, ruleAt, validate, where } from './helpers.ts';

const pass = (name: string, next = '"End": true') => `    "${name}": { "Type": "Pass", ${next} }`;

describe('JSON syntax', () => {
  it('reports every syntax error with its position, not only the first', () => {
    const text = '{\n  "StartAt": "First"\n  "States": {\n    "First": { "Type": "Pass", "End": true, },\n  }\n}\n';
    const findings = validate(text);
    assert.deepEqual(where(findings), [
      ruleAt('json/syntax', text, '"States"'),
      ruleAt('json/syntax', text, '}', 1),
      ruleAt('json/syntax', text, '}', 2),
    ]);
    assert.match(findings[0].message, /a "," is expected/);
    assert.match(findings[1].message, /trailing comma/);
    assert.ok(findings.every((finding) => finding.file === FILE && finding.severity === 'error'));
  });

  it('refuses // and /* */ comments, which AWS rejects, with one error each', () => {
    const text = machine(`    // the only state\n    "First": { "Type": "Pass", /* done */ "End": true }`);
    assert.deepEqual(where(validate(text)), [ruleAt('json/comment', text, '//'), ruleAt('json/comment', text, '/*')]);
  });

  it('refuses a "#" comment that is not a template marker', () => {
    const text = machine(`${pass('First')} # my note`);
    const findings = validate(text);
    assert.deepEqual(where(findings), [ruleAt('json/comment', text, '#')]);
    assert.match(findings[0].message, /remove "# my note"/);
  });

  it('reports a bare <placeholder> once, as a template error', () => {
    const text = machine(`    "First": { "Type": "Pass", "Result": <bucket>, "End": true }`);
    assert.deepEqual(where(validate(text)), [ruleAt('template/placeholder', text, '<bucket>')]);
  });

  it('reports <model_name> left inside a string', () => {
    const text = machine(`    "First": { "Type": "Pass", "Result": "quetzal-<model_name>", "End": true }`);
    assert.deepEqual(where(validate(text)), [ruleAt('template/placeholder', text, '<model_name>')]);
  });

  it('warns about a duplicated key', () => {
    const text = machine(`    "First": { "Type": "Pass", "Comment": "a", "Comment": "b", "End": true }`);
    assert.deepEqual(where(validate(text)), [ruleAt('json/duplicate-key', text, '"Comment"', 2)]);
    assert.equal(validate(text)[0].severity, 'warning');
  });

  it('reports an empty file', () => {
    assert.deepEqual(where(validate('')), ['json/syntax@1:1']);
  });

  it('refuses a definition larger than 1 MB', () => {
    const text = machine(pass('First').replace('"End": true', `"Comment": "${'x'.repeat(1024 * 1024)}", "End": true`));
    const findings = validate(text);
    assert.deepEqual(where(findings), ['asl/size@1:1']);
    assert.match(findings[0].message, /at most 1048576 bytes/);
  });
});

describe('the tree of valid JSON (fast-tree.ts, for speed: bench/README.md)', () => {
  const shape = (node: Node | undefined): unknown =>
    node && { type: node.type, offset: node.offset, length: node.length, value: node.value, children: node.children?.map(shape) };
  const asl = join(import.meta.dirname, '..', '..', 'fixtures', 'asl');
  const texts = [
    ...readdirSync(join(asl, 'valid')).map((name) => readFileSync(join(asl, 'valid', name), 'utf8')),
    readFileSync(join(asl, 'quetzal-model', 'step-functions.json'), 'utf8'),
    generateLargeDefinition(20).text,
    '{"a\\\\":"\\"q\\"","b":[1,-2.5e3,true,false,null,{},[]],"c\\u0041":"\\\\"}',
    ' \t\r\n[ ]\n',
  ];

  it('is the tree jsonc-parser builds, on every valid definition of the fixtures', () => {
    for (const text of texts) {
      assert.deepEqual(shape(treeOfValidJson(text)), shape(parseTree(text, [], { disallowComments: true })));
    }
  });
});
