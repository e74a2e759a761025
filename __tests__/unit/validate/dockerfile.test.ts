import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkDockerfile, type DockerBuild } from '../../../src/validate/dockerfile/index.ts';
import { parseDockerfile } from '../../../src/validate/dockerfile/parse.ts';

/** A build context (the folder above the model) holding the model `quetzal-paris` with these files. */
function context(files: Record<string, string>, dockerfile: string): DockerBuild {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfile-'));
  const modelFolder = path.join(root, 'quetzal-paris');
  for (const [name, content] of Object.entries({ 'quetzal-paris/requirements.txt': 'pandas\n', 'quetzal-paris/notebooks/A10.ipynb': '{}', ...files })) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), content);
  }
  fs.writeFileSync(path.join(modelFolder, 'Dockerfile'), dockerfile);
  return {
    dockerfile: path.join(modelFolder, 'Dockerfile'),
    context: root,
    modelFolder,
    buildArgs: { QUETZAL_MODEL_NAME: 'quetzal-paris', IMAGE_TAG: '0123456789abcdef0123456789abcdef01234567' },
    perCommitArgs: new Set(['IMAGE_TAG']),
  };
}

const check = (build: DockerBuild) => checkDockerfile(build).map(({ severity, rule, line, message }) => ({ severity, rule, line, message }));
const rules = (build: DockerBuild) => check(build).map(({ rule, line }) => `${rule}@${line}`);

/** Shaped like the backend's ECS template: the image tag declared above the install, a file of the backend copied. */
const ECS_TEMPLATE_SHAPE = `FROM python:3.12 AS runtime
ARG QUETZAL_MODEL_NAME
ENV QUETZAL_MODEL_NAME=$QUETZAL_MODEL_NAME
ARG IMAGE_TAG
ENV IMAGE_TAG=$IMAGE_TAG
COPY ./\${QUETZAL_MODEL_NAME}/requirements.txt .
RUN pip install -r requirements.txt
COPY ./quetzal-network-editor-backend/docker/main_ecs.py .
COPY ./\${QUETZAL_MODEL_NAME} .
CMD ["python", "main_ecs.py"]
`;

const CACHE_FRIENDLY = `FROM python:3.12
ARG QUETZAL_MODEL_NAME
COPY \${QUETZAL_MODEL_NAME}/requirements.txt .
RUN pip install -r requirements.txt
COPY \${QUETZAL_MODEL_NAME}/ /app/
ARG IMAGE_TAG
ENV IMAGE_TAG=\${IMAGE_TAG}
CMD ["python", "main_ecs.py"]
`;

describe('the Dockerfile parser', () => {
  it('reads instructions as Docker does: continuations, comments inside them, the escape directive, here-documents', () => {
    const text = '# escape=`\nFROM scratch\nrun echo a `\n# a comment inside\n  && echo b\nCOPY <<EOF /x\nCOPY not an instruction\nEOF\nARG A=1\n';
    assert.deepEqual(parseDockerfile(text).map(({ keyword, args, line }) => [keyword, args, line]), [
      ['FROM', 'scratch', 2],
      ['RUN', 'echo a    && echo b', 3],
      ['COPY', '<<EOF /x', 6],
      ['ARG', 'A=1', 9],
    ]);
  });
});

describe('the build cache of a notebook-only change', () => {
  it('warns on the backend ECS template\'s ARG IMAGE_TAG above RUN pip install, at the ARG, naming the RUN', () => {
    const findings = check(context({ 'quetzal-network-editor-backend/docker/main_ecs.py': '' }, ECS_TEMPLATE_SHAPE));
    assert.deepEqual(findings.map(({ rule, line }) => `${rule}@${line}`), ['docker/cache-busting-arg@4']);
    assert.equal(findings[0].severity, 'warning');
    assert.match(findings[0].message, /ARG IMAGE_TAG is declared above the RUN at line 7, and the action gives it a new value on every commit.*Move ARG IMAGE_TAG \(and any ENV that uses it\) below the dependency install/);
  });

  it('says nothing of the cache-friendly pattern: requirements first, install, the model, then the image tag', () => {
    assert.deepEqual(check(context({}, CACHE_FRIENDLY)), []);
  });

  it('warns on a build-args value that holds the commit, and not on one that does not change', () => {
    const build = context({}, 'FROM python:3.12\nARG GIT_SHA\nARG PROFILE\nRUN pip install pandas\n');
    assert.deepEqual(rules({ ...build, perCommitArgs: new Set(['IMAGE_TAG', 'GIT_SHA']) }), ['docker/cache-busting-arg@2']);
    assert.deepEqual(rules(build), []);
  });

  it('warns when the model folder, or the whole context, is copied above the dependency install', () => {
    const model = check(context({}, 'FROM python:3.12\nARG QUETZAL_MODEL_NAME\nCOPY ${QUETZAL_MODEL_NAME}/ /app/\nRUN pip install -r /app/requirements.txt\n'));
    assert.deepEqual(model.map(({ rule, line }) => `${rule}@${line}`), ['docker/copy-before-install@3']);
    assert.match(model[0].message, /The model folder \(line 3\) is copied above the dependency install at line 4: every notebook change reinstalls the dependencies\. Copy requirements\.txt first/);
    const whole = check(context({}, 'FROM python:3.12\nCOPY . /src\nRUN python -m pip install -r /src/quetzal-paris/requirements.txt\n'));
    assert.match(whole[0].message, /^The whole build context, model folder included \(line 2\),/);
    assert.deepEqual(rules(context({}, 'FROM python:3.12\nCOPY quetzal-paris /app\nRUN echo built > /app/built.txt\n')), [], 'a RUN that installs nothing');
  });

  it('looks at each stage alone: an ARG of the build stage does not reach the runtime stage', () => {
    assert.deepEqual(rules(context({}, 'ARG IMAGE_TAG\nFROM python:3.12 AS build\nRUN pip install pandas\nFROM python:3.12\nCOPY ${QUETZAL_MODEL_NAME} /app\n')), []);
    assert.deepEqual(rules(context({}, 'FROM python:3.12 AS build\nARG IMAGE_TAG\nFROM python:3.12\nRUN pip install pandas\n')), []);
  });
});

describe('the sources of COPY and ADD', () => {
  it('is an error at the line when a source is not in the build context, naming the backend checkout it needs', () => {
    const findings = check(context({}, ECS_TEMPLATE_SHAPE)).filter(({ severity }) => severity === 'error');
    assert.deepEqual(findings.map(({ rule, line }) => `${rule}@${line}`), ['docker/copy-source-missing@8']);
    assert.match(findings[0].message, /^COPY source "\.\/quetzal-network-editor-backend\/docker\/main_ecs\.py": nothing at .*, in the build context .*: the build would fail here\. It is a file of the Quetzal backend: check it out beside the model \(actions\/checkout with `repository: systragroup\/quetzal-network-editor-backend` and `path: quetzal-network-editor-backend`\)/);
  });

  it('fills the build args the action sets, and the ARG and ENV values, before it looks', () => {
    const findings = check(context({}, 'FROM scratch\nARG QUETZAL_MODEL_NAME\nARG DATA=inputs\nENV FOLDER=${QUETZAL_MODEL_NAME}/$DATA\nCOPY $FOLDER /data\n'));
    assert.equal(findings.length, 1);
    assert.match(findings[0].message, /^COPY source "\$FOLDER" \("quetzal-paris\/inputs"\): nothing at /);
  });

  it('matches wildcards one folder at a time, as Docker does', () => {
    assert.deepEqual(rules(context({}, 'FROM scratch\nCOPY quetzal-paris/*.txt quetzal-paris/notebooks/A?0.ipynb /app/\n')), []);
    assert.deepEqual(rules(context({}, 'FROM scratch\nCOPY quetzal-paris/*.toml /app/\n')), ['docker/copy-source-missing@2']);
  });

  it('is an error when the ignore file excludes a source, naming its line; a later ! line lets it through', () => {
    const ignored = context({ 'quetzal-paris/Dockerfile.dockerignore': '# data\nquetzal-paris/scenarios/*\nquetzal-paris/*.txt\n' }, CACHE_FRIENDLY);
    const findings = check(ignored);
    assert.deepEqual(findings.map(({ rule, line }) => `${rule}@${line}`), ['docker/copy-source-ignored@3']);
    assert.match(findings[0].message, /quetzal-paris\/requirements\.txt is excluded by Dockerfile\.dockerignore line 3 \(`quetzal-paris\/\*\.txt`\), so Docker does not send it.*add `!quetzal-paris\/requirements\.txt` below it/);
    fs.appendFileSync(`${ignored.dockerfile}.dockerignore`, '!quetzal-paris/requirements.txt\n');
    assert.deepEqual(check(ignored), []);
  });

  it('reads the context\'s .dockerignore when the Dockerfile has none of its own', () => {
    const build = context({ '.dockerignore': 'quetzal-paris/requirements.txt\n' }, CACHE_FRIENDLY);
    assert.deepEqual(rules(build), ['docker/copy-source-ignored@3']);
  });

  it('leaves alone what is not from the context: another stage, a URL, a here-document, an unknown value', () => {
    const text = 'FROM scratch AS a\nFROM scratch\nCOPY --from=a /usr/lib/x.so /lib/\nADD https://example.com/x.tar.gz /x\nCOPY <<EOF /y\nhello\nEOF\nCOPY ${NOT_SET}/x /z\nCOPY --chown=1000:1000 ["quetzal-paris/requirements.txt", "/r.txt"]\n';
    assert.deepEqual(check(context({}, text)), []);
  });

  it('is an error for a source outside the build context', () => {
    assert.deepEqual(rules(context({}, 'FROM scratch\nCOPY ../secrets /s\n')), ['docker/copy-source-missing@2']);
  });

  it('stays within its limits on hostile input: a huge Dockerfile is not read, a huge folder not listed', () => {
    assert.deepEqual(check(context({}, `FROM scratch\n${'RUN pip install x\n'.repeat(20_000)}`)), []);
    const files: Record<string, string> = {};
    for (let index = 0; index < 10_001; index += 1) files[`many/f${index}`] = '';
    assert.deepEqual(check(context(files, 'FROM scratch\nCOPY many/*.none /x\n')), [], 'not checked: too many entries to list');
  });
});
