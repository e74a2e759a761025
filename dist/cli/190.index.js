export const id = 190;
export const ids = [190];
export const modules = {

/***/ 3190:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  runDeploy: () => (/* binding */ runDeploy)
});

// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-ecr/dist-cjs/index.js
var dist_cjs = __webpack_require__(8249);
// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-lambda/dist-cjs/index.js
var client_lambda_dist_cjs = __webpack_require__(1696);
// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-s3/dist-cjs/index.js
var client_s3_dist_cjs = __webpack_require__(3711);
// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-sfn/dist-cjs/index.js
var client_sfn_dist_cjs = __webpack_require__(8476);
// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-sts/dist-cjs/index.js
var client_sts_dist_cjs = __webpack_require__(1695);
;// CONCATENATED MODULE: ./src/deploy/aws.ts
/**
 * Every AWS client the deploy uses, made in one place with the same retry strategy and timeouts.
 * Endpoints come from the SDK's own configuration (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>, profiles).
 */





function createAwsClients(options = {}) {
    const config = {
        ...(options.region ? { region: options.region } : {}),
        maxAttempts: options.maxAttempts ?? 3,
        retryMode: 'standard',
        requestHandler: {
            connectionTimeout: options.connectionTimeoutMs ?? 10_000,
            requestTimeout: options.requestTimeoutMs ?? 60_000,
        },
    };
    return {
        sts: new client_sts_dist_cjs/* STSClient */.iM(config),
        ecr: new dist_cjs/* ECRClient */.S70(config),
        lambda: new client_lambda_dist_cjs/* LambdaClient */.Nox(config),
        sfn: new client_sfn_dist_cjs/* SFNClient */.ZIB(config),
        s3: new client_s3_dist_cjs/* S3Client */.YxF(config),
    };
}
function destroyAwsClients(clients) {
    for (const client of Object.values(clients))
        client.destroy();
}

// EXTERNAL MODULE: ./src/core/inputs.ts
var inputs = __webpack_require__(9114);
;// CONCATENATED MODULE: ./src/deploy/step.ts
const ALL_STEPS = ['image', 'lambda', 'state-machine', 'scenarios'];
/** An error the user can act on: one line saying what is wrong and what to do. */
class DeployError extends Error {
    hint;
    constructor(message, hint, options) {
        super(message, options);
        this.name = 'DeployError';
        this.hint = hint;
    }
}

;// CONCATENATED MODULE: ./src/deploy/options.ts
/**
 * The deploy inputs, parsed once through an input getter (the Action's core.getInput or the CLI's flags).
 * Git facts come in separately as a GitContext: nothing here reads process.env.
 */


/** Docker tag grammar (distribution/reference): at most 128 chars, no leading '.' or '-'. */
const DOCKER_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
/** Lambda alias names: letters, digits, '-' and '_', not all digits, at most 128 chars. */
const LAMBDA_ALIAS = /^(?!\d+$)[A-Za-z0-9_-]{1,128}$/;
const BUILD_ARG_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
function parseDeployOptions(get) {
    const stepNames = (0,inputs/* getList */.vS)(get, 'steps').map((step) => step.toLowerCase());
    for (const step of stepNames) {
        if (!ALL_STEPS.includes(step)) {
            throw new inputs/* InputError */.dz(`Input \`steps\` names "${step}"; use a comma list of: ${ALL_STEPS.join(', ')}.`);
        }
    }
    const steps = stepNames.length === 0 ? [...ALL_STEPS] : ALL_STEPS.filter((step) => stepNames.includes(step));
    const imageTag = get('image-tag').trim() || undefined;
    if (imageTag !== undefined && !DOCKER_TAG.test(imageTag)) {
        throw new inputs/* InputError */.dz(`Input \`image-tag\` is "${imageTag}"; a Docker tag has 1 to 128 letters, digits, '_', '.' or '-' and does not start with '.' or '-'.`);
    }
    const alias = get('alias').trim() || undefined;
    if (alias !== undefined && !LAMBDA_ALIAS.test(alias)) {
        throw new inputs/* InputError */.dz(`Input \`alias\` is "${alias}"; a Lambda alias has 1 to 128 letters, digits, '-' or '_' and is not only digits.`);
    }
    const buildArgs = (0,inputs/* getKeyValueLines */.ib)(get, 'build-args');
    for (const name of Object.keys(buildArgs)) {
        if (!BUILD_ARG_NAME.test(name)) {
            throw new inputs/* InputError */.dz(`Input \`build-args\`: "${name}" is not a valid build argument name.`);
        }
        if (name === 'QUETZAL_MODEL_NAME' || name === 'IMAGE_TAG') {
            throw new inputs/* InputError */.dz(`Input \`build-args\` sets ${name}; the action sets it itself, remove that line.`);
        }
    }
    const maxAttempts = (0,inputs/* getPositiveNumber */.NM)(get, 'max-attempts', 3);
    if (!Number.isInteger(maxAttempts) || maxAttempts > 20) {
        throw new inputs/* InputError */.dz(`Input \`max-attempts\` is "${get('max-attempts')}"; use a whole number from 1 to 20.`);
    }
    return {
        steps,
        buildContext: get('build-context').trim() || undefined,
        dockerfile: get('dockerfile').trim() || undefined,
        buildArgs,
        imageTag,
        forceBuild: (0,inputs/* getBoolean */.pW)(get, 'force-build', false),
        publish: (0,inputs/* getChoice */.m)(get, 'publish', ['auto', 'true', 'false'], 'auto'),
        alias,
        waitTimeoutMinutes: (0,inputs/* getPositiveNumber */.NM)(get, 'wait-timeout-minutes', 10),
        rollback: (0,inputs/* getBoolean */.pW)(get, 'rollback', true),
        maxAttempts,
    };
}
/** The git tag name when the ref is a tag ref, else undefined. */
function gitTagOf(git) {
    return git.ref.startsWith('refs/tags/') ? git.ref.slice('refs/tags/'.length) : undefined;
}
function shouldPublish(options, git) {
    if (options.publish === 'auto')
        return gitTagOf(git) !== undefined;
    return options.publish === 'true';
}
/**
 * Tags to push: the image-tag input or else the commit SHA, plus the git tag on tag refs
 * (when it is a valid Docker tag). The first one is the primary tag (IMAGE_TAG in the Lambda).
 */
function imageTagsFor(options, git) {
    const primary = options.imageTag ?? git.sha;
    if (!DOCKER_TAG.test(primary)) {
        throw new inputs/* InputError */.dz(`The commit SHA "${primary}" is not usable as an image tag; set input \`image-tag\`.`);
    }
    const tags = [primary];
    const gitTag = gitTagOf(git);
    if (gitTag !== undefined && DOCKER_TAG.test(gitTag) && gitTag !== primary)
        tags.push(gitTag);
    return tags;
}

// EXTERNAL MODULE: external "node:child_process"
var external_node_child_process_ = __webpack_require__(1421);
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __webpack_require__(1455);
// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(8161);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
;// CONCATENATED MODULE: ./src/deploy/registry.ts
/**
 * A small client of the registry HTTP API (distribution v2), as ECR and any docker registry serve it.
 * Used to ask whether a tag exists (and its digest) without Docker, and to add a tag to an existing
 * manifest without pulling or pushing layers. Credentials are sent as HTTP Basic, as ECR expects.
 */

/** Manifest media types we accept, single-image ones first. */
const IMAGE_MANIFEST_TYPES = [
    'application/vnd.docker.distribution.manifest.v2+json',
    'application/vnd.oci.image.manifest.v1+json',
];
const INDEX_MANIFEST_TYPES = [
    'application/vnd.docker.distribution.manifest.list.v2+json',
    'application/vnd.oci.image.index.v1+json',
];
const ACCEPT = [...IMAGE_MANIFEST_TYPES, ...INDEX_MANIFEST_TYPES].join(', ');
/** Splits `host/path/name[:tag][@digest]`. */
function parseImageReference(reference) {
    const at = reference.indexOf('@');
    const digest = at >= 0 ? reference.slice(at + 1) : undefined;
    const withoutDigest = at >= 0 ? reference.slice(0, at) : reference;
    const slash = withoutDigest.indexOf('/');
    if (slash < 0)
        throw new Error(`Image reference "${reference}" has no registry host.`);
    const registry = withoutDigest.slice(0, slash);
    let repository = withoutDigest.slice(slash + 1);
    let tag;
    const colon = repository.lastIndexOf(':');
    if (colon >= 0) {
        tag = repository.slice(colon + 1);
        repository = repository.slice(0, colon);
    }
    return { registry, repository, tag, digest };
}
class RegistryClient {
    endpoint;
    #authorization;
    constructor(credentials) {
        this.endpoint = credentials.endpoint.replace(/\/+$/, '');
        if (!/^https?:\/\//.test(this.endpoint))
            this.endpoint = `https://${this.endpoint}`;
        this.#authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
    }
    get host() {
        return new URL(this.endpoint).host;
    }
    /** The manifest digest and media type of `repository:reference`, or undefined when the tag does not exist. */
    async manifestInfo(repository, reference) {
        const response = await this.#request('HEAD', repository, reference);
        if (response.status === 404)
            return undefined;
        this.#assertOk(response, `look up ${repository}:${reference}`);
        const digest = response.headers.get('docker-content-digest');
        const mediaType = (response.headers.get('content-type') ?? '').split(';')[0].trim();
        if (digest)
            return { digest, mediaType };
        // Some registries omit the digest on HEAD: fall back to GET and hash the body.
        const manifest = await this.getManifest(repository, reference);
        return manifest && { digest: manifest.digest, mediaType: manifest.mediaType };
    }
    async getManifest(repository, reference) {
        const response = await this.#request('GET', repository, reference);
        if (response.status === 404)
            return undefined;
        this.#assertOk(response, `read the manifest of ${repository}:${reference}`);
        const body = Buffer.from(await response.arrayBuffer());
        const { createHash } = await Promise.resolve(/* import() */).then(__webpack_require__.t.bind(__webpack_require__, 7598, 23));
        const digest = response.headers.get('docker-content-digest') ?? `sha256:${createHash('sha256').update(body).digest('hex')}`;
        const mediaType = (response.headers.get('content-type') ?? '').split(';')[0].trim();
        return { digest, mediaType, body };
    }
    /** Points `tag` at an existing manifest (no layer moves). Returns the digest. */
    async tagManifest(repository, fromReference, tag) {
        const manifest = await this.getManifest(repository, fromReference);
        if (!manifest)
            throw new DeployError(`Cannot tag ${repository}:${tag}: ${fromReference} is not in the registry.`);
        const response = await fetch(this.#url(repository, tag), {
            method: 'PUT',
            headers: { authorization: this.#authorization, 'content-type': manifest.mediaType },
            body: manifest.body,
        });
        this.#assertOk(response, `tag ${repository}:${tag}`);
        return response.headers.get('docker-content-digest') ?? manifest.digest;
    }
    #url(repository, reference) {
        return `${this.endpoint}/v2/${repository}/manifests/${encodeURIComponent(reference)}`;
    }
    async #request(method, repository, reference) {
        try {
            return await fetch(this.#url(repository, reference), {
                method,
                headers: { authorization: this.#authorization, accept: ACCEPT },
            });
        }
        catch (error) {
            const cause = error.cause;
            throw new DeployError(`The registry ${this.host} does not answer: ${cause?.code ?? ''} ${cause?.message ?? error.message}`.trim(), 'Check the network path to the registry and its certificate.', { cause: error });
        }
    }
    #assertOk(response, what) {
        if (response.ok)
            return;
        const hint = response.status === 401 || response.status === 403
            ? 'The credentials need ecr:BatchGetImage, ecr:GetDownloadUrlForLayer and, to push, ecr:PutImage and the layer upload permissions.'
            : undefined;
        throw new DeployError(`Could not ${what} in ${this.host}: HTTP ${response.status} ${response.statusText}.`, hint);
    }
}

;// CONCATENATED MODULE: ./src/deploy/docker.ts
/**
 * Docker behind a small interface, driven through the docker CLI with spawn (never a shell).
 * Registry credentials go on stdin into a private, temporary DOCKER_CONFIG removed by dispose().
 *
 * Builders: `buildx` when the plugin is there; else `buildkit` (DOCKER_BUILDKIT=1, for CLIs before 23 that
 * embed BuildKit); else the `legacy` builder. BuildKit honours `<Dockerfile>.dockerignore` by itself; the legacy
 * builder reads only `<context>/.dockerignore`, so for it the model's ignore file is put there for the build
 * and the context's own file (if any) is restored afterwards.
 */







class CliDockerEngine {
    #command;
    #env;
    #logger;
    #configDir;
    #builder;
    #clientVersion;
    #credentials = new Map();
    constructor(options) {
        this.#command = options.command ?? 'docker';
        this.#env = options.env ?? process.env;
        this.#logger = options.logger;
    }
    async info() {
        const result = await this.#run(['version', '--format', '{{.Client.Version}}|{{.Server.Version}}'], {});
        const [clientVersion = '', serverVersion = ''] = result.stdout.trim().split('|');
        if (result.code !== 0 || !serverVersion || serverVersion === '<no value>') {
            throw new DeployError(`The Docker daemon does not answer: ${lastLine(result.stderr) || 'no server version'}.`, 'The image step needs a running Docker engine (GitHub-hosted Ubuntu runners have one).');
        }
        this.#clientVersion = clientVersion;
        return { serverVersion, clientVersion };
    }
    async hasBuildx() {
        const result = await this.#run(['buildx', 'version'], {});
        return result.code === 0;
    }
    async builder() {
        if (this.#builder)
            return this.#builder;
        if (await this.hasBuildx()) {
            this.#builder = 'buildx';
        }
        else {
            const clientVersion = this.#clientVersion ?? (await this.info()).clientVersion;
            const major = Number.parseInt(clientVersion, 10);
            // CLIs before 23.0 embed a BuildKit client (DOCKER_BUILDKIT=1); later ones need the buildx plugin.
            this.#builder = Number.isFinite(major) && major < 23 ? 'buildkit' : 'legacy';
        }
        return this.#builder;
    }
    async login(registry, username, password) {
        const configDir = await this.#privateConfig();
        const host = registry.replace(/^https?:\/\//, '').replace(/\/+$/, '');
        const result = await this.#run(['--config', configDir, 'login', '--username', username, '--password-stdin', host], {
            stdin: password,
        });
        if (result.code !== 0) {
            throw new DeployError(`docker login to ${host} failed: ${lastLine(result.stderr)}`);
        }
        this.#credentials.set(host, { username, password });
    }
    async pull(reference) {
        const result = await this.#run(this.#withConfig(['pull', '--quiet', reference]), {});
        if (result.code !== 0) {
            this.#logger.warning(`Could not pull ${reference} for the build cache: ${lastLine(result.stderr)}`);
            return false;
        }
        return true;
    }
    async build(request) {
        const builder = await this.builder();
        const iidDir = await (0,promises_.mkdtemp)((0,external_node_path_.join)((0,external_node_os_.tmpdir)(), 'quetzal-iid-'));
        const iidFile = (0,external_node_path_.join)(iidDir, 'image-id');
        const args = builder === 'buildx' ? ['buildx', 'build', '--load', '--provenance=false', '--sbom=false'] : ['build'];
        if (builder !== 'legacy')
            args.push('--progress=plain');
        args.push('--platform', request.platform, '-f', request.dockerfile, '--iidfile', iidFile);
        for (const tag of request.tags)
            args.push('--tag', tag);
        const buildArgs = { ...request.buildArgs };
        if (builder !== 'legacy')
            buildArgs.BUILDKIT_INLINE_CACHE = '1';
        for (const [name, value] of Object.entries(buildArgs))
            args.push('--build-arg', `${name}=${value}`);
        for (const [name, value] of Object.entries(request.labels))
            args.push('--label', `${name}=${value}`);
        const cacheFrom = [];
        for (const reference of request.cacheFrom ?? []) {
            if (builder !== 'legacy' || (await this.pull(reference)))
                cacheFrom.push(reference);
        }
        for (const reference of cacheFrom)
            args.push('--cache-from', reference);
        args.push(request.context);
        const env = builder === 'buildkit' ? { DOCKER_BUILDKIT: '1' } : builder === 'legacy' ? { DOCKER_BUILDKIT: '0' } : {};
        const restoreIgnoreFile = builder === 'legacy' ? await useIgnoreFileInContext(request.context, request.dockerfile, this.#logger) : undefined;
        try {
            this.#logger.info(`docker ${args.join(' ')}`);
            const result = await this.#run(this.#withConfig(args), { env, stream: true });
            if (result.code !== 0) {
                throw new DeployError(`docker build failed (exit ${result.code}): ${lastLine(result.stderr) || lastLine(result.stdout)}`, 'The build log above shows the failing instruction.');
            }
            const imageId = (await (0,promises_.readFile)(iidFile, 'utf8')).trim();
            return { imageId, builder };
        }
        finally {
            await restoreIgnoreFile?.();
            await (0,promises_.rm)(iidDir, { recursive: true, force: true });
        }
    }
    async push(reference) {
        const result = await this.#run(this.#withConfig(['push', reference]), { stream: true });
        if (result.code !== 0) {
            throw new DeployError(`docker push ${reference} failed: ${lastLine(result.stderr) || lastLine(result.stdout)}`);
        }
        const match = /digest: (sha256:[0-9a-f]{64})/.exec(result.stdout);
        if (!match)
            throw new DeployError(`docker push ${reference} printed no digest.`);
        const layersPushed = result.stdout.split('\n').filter((line) => /: Pushed\s*$/.test(line)).length;
        return { digest: match[1], layersPushed };
    }
    async remoteDigest(reference) {
        const { registry, repository, tag, digest } = parseImageReference(reference);
        const credentials = this.#credentials.get(registry);
        if (!credentials)
            throw new Error(`remoteDigest(${reference}) needs a login to ${registry} first.`);
        const client = new RegistryClient({ endpoint: `https://${registry}`, ...credentials });
        return (await client.manifestInfo(repository, digest ?? tag ?? 'latest'))?.digest;
    }
    async dispose() {
        const configDir = this.#configDir;
        this.#configDir = undefined;
        this.#credentials.clear();
        if (configDir)
            await (0,promises_.rm)(configDir, { recursive: true, force: true });
    }
    /** A private DOCKER_CONFIG that still sees the user's CLI plugins and buildx builders. */
    async #privateConfig() {
        if (this.#configDir)
            return this.#configDir;
        const configDir = await (0,promises_.mkdtemp)((0,external_node_path_.join)((0,external_node_os_.tmpdir)(), 'quetzal-docker-config-'));
        this.#configDir = configDir;
        const userConfig = this.#env.DOCKER_CONFIG || (0,external_node_path_.join)((0,external_node_os_.homedir)(), '.docker');
        for (const shared of ['cli-plugins', 'buildx', 'contexts']) {
            if (await exists((0,external_node_path_.join)(userConfig, shared)))
                await (0,promises_.symlink)((0,external_node_path_.join)(userConfig, shared), (0,external_node_path_.join)(configDir, shared));
        }
        return configDir;
    }
    #withConfig(args) {
        return this.#configDir ? ['--config', this.#configDir, ...args] : args;
    }
    #run(args, options) {
        return new Promise((resolve, reject) => {
            const child = (0,external_node_child_process_.spawn)(this.#command, args, {
                env: { ...this.#env, ...options.env },
                stdio: ['pipe', 'pipe', 'pipe'],
            });
            let stdout = '';
            let stderr = '';
            const forward = (chunk, pending) => {
                if (!options.stream)
                    return;
                pending.text += chunk;
                const lines = pending.text.split('\n');
                pending.text = lines.pop() ?? '';
                for (const line of lines)
                    if (line.trim())
                        this.#logger.info(line);
            };
            const pendingOut = { text: '' };
            const pendingErr = { text: '' };
            child.stdout.setEncoding('utf8').on('data', (chunk) => {
                stdout += chunk;
                forward(chunk, pendingOut);
            });
            child.stderr.setEncoding('utf8').on('data', (chunk) => {
                stderr += chunk;
                forward(chunk, pendingErr);
            });
            child.on('error', (error) => {
                reject(new DeployError(`Cannot run ${this.#command}: ${error.message}`, 'Install the Docker CLI or fix PATH.', {
                    cause: error,
                }));
            });
            child.on('close', (code) => {
                for (const pending of [pendingOut, pendingErr])
                    if (options.stream && pending.text.trim())
                        this.#logger.info(pending.text);
                resolve({ code: code ?? 1, stdout, stderr });
            });
            child.stdin.on('error', () => { });
            child.stdin.end(options.stdin ?? '');
        });
    }
}
/**
 * For the legacy builder: makes `<dockerfile>.dockerignore` the context's `.dockerignore` for the build.
 * Returns the function that puts things back (the context's own file, if it had one, is restored byte for byte).
 */
async function useIgnoreFileInContext(context, dockerfile, logger) {
    const ignoreFile = `${dockerfile}.dockerignore`;
    if (!(await exists(ignoreFile)))
        return undefined;
    const contextIgnore = (0,external_node_path_.join)(context, '.dockerignore');
    const backup = (0,external_node_path_.join)(context, `.dockerignore.quetzal-deploy-backup-${process.pid}`);
    const hadOwn = await exists(contextIgnore);
    if (hadOwn)
        await (0,promises_.rename)(contextIgnore, backup);
    await (0,promises_.writeFile)(contextIgnore, await (0,promises_.readFile)(ignoreFile));
    logger.info(`Legacy builder: using ${ignoreFile} as ${contextIgnore} for this build.`);
    return async () => {
        await (0,promises_.rm)(contextIgnore, { force: true });
        if (hadOwn)
            await (0,promises_.rename)(backup, contextIgnore);
    };
}
async function exists(path) {
    try {
        await (0,promises_.access)(path, external_node_fs_.constants.F_OK);
        return true;
    }
    catch {
        return false;
    }
}
function lastLine(text) {
    const lines = text.trim().split('\n').filter((line) => line.trim() !== '');
    return lines.at(-1)?.trim() ?? '';
}

;// CONCATENATED MODULE: ./src/deploy/preflight.ts
/**
 * Preflight: read-only checks that every AWS resource the selected steps touch exists and answers,
 * gathering what the steps need (account, repository URI, the function's architecture and current image,
 * the state machine's role, logging and definition). Every problem is collected and reported at once.
 */






/** Which resources each step needs checked (the state machine needs the function's ARN and the bucket name). */
const NEEDS = {
    image: ['repository', 'function'],
    lambda: ['repository', 'function'],
    'state-machine': ['function', 'stateMachine', 'bucket'],
    scenarios: ['bucket'],
};
const PLATFORMS = { x86_64: 'linux/amd64', arm64: 'linux/arm64' };
async function runPreflight(clients, target, steps, logger, 
/** Resources to check whatever the steps: a deploy always needs the bucket, where its lock lives. */
alsoNeeds = []) {
    const needs = new Set([...steps.flatMap((step) => NEEDS[step]), ...alsoNeeds]);
    const region = await clients.sts.config.region();
    if (!region) {
        throw new DeployError('No AWS region is set.', 'Set AWS_REGION (aws-actions/configure-aws-credentials does).');
    }
    let accountId;
    try {
        const identity = await clients.sts.send(new client_sts_dist_cjs/* GetCallerIdentityCommand */.zI({}));
        accountId = identity.Account ?? '';
        logger.info(`AWS account ${accountId}, region ${region}, as ${identity.Arn ?? 'unknown'}`);
    }
    catch (error) {
        throw new DeployError(`AWS credentials do not work in ${region}: ${describeError(error)}`, 'Configure credentials before this step (e.g. aws-actions/configure-aws-credentials).', { cause: error });
    }
    const preflight = { accountId, region };
    const problems = [];
    const check = async (what, task) => {
        try {
            await task();
        }
        catch (error) {
            problems.push(error instanceof DeployError ? error.message : `${what}: ${describeError(error)}`);
        }
    };
    await Promise.all([
        needs.has('repository') &&
            check(`ECR repository ${target.repositoryName}`, async () => {
                preflight.repository = await describeRepository(clients, target.repositoryName, region);
            }),
        needs.has('function') &&
            check(`Lambda function ${target.functionName}`, async () => {
                preflight.function = await describeFunction(clients, target.functionName, region);
            }),
        needs.has('stateMachine') &&
            check(`State machine ${target.stateMachine}`, async () => {
                preflight.stateMachine = await describeStateMachine(clients, target.stateMachine, region);
            }),
        needs.has('bucket') &&
            check(`S3 bucket ${target.bucketName}`, async () => {
                try {
                    await clients.s3.send(new client_s3_dist_cjs/* HeadBucketCommand */.kuI({ Bucket: target.bucketName }));
                }
                catch (error) {
                    if (httpStatus(error) === 404) {
                        throw new DeployError(`S3 bucket ${target.bucketName} does not exist.`);
                    }
                    if (httpStatus(error) === 403) {
                        throw new DeployError(`S3 bucket ${target.bucketName}: access denied (HeadBucket returned 403).`);
                    }
                    throw error;
                }
                preflight.bucket = { name: target.bucketName };
            }),
    ]);
    if (problems.length > 0) {
        throw new DeployError(`Preflight failed, nothing was changed:\n- ${problems.join('\n- ')}`, 'Create the missing resources (e.g. with terraform) or fix the names in the model’s .env, and check the role’s permissions.');
    }
    return preflight;
}
async function describeRepository(clients, name, region) {
    try {
        const output = await clients.ecr.send(new dist_cjs/* DescribeRepositoriesCommand */.pE_({ repositoryNames: [name] }));
        const repository = output.repositories?.[0];
        if (!repository?.repositoryUri)
            throw new DeployError(`ECR repository ${name} was not found in ${region}.`);
        return { name, uri: repository.repositoryUri, registryId: repository.registryId ?? '' };
    }
    catch (error) {
        if (errorName(error) === 'RepositoryNotFoundException') {
            throw new DeployError(`ECR repository ${name} does not exist in ${region}.`);
        }
        throw error;
    }
}
async function describeFunction(clients, name, region) {
    let output;
    try {
        output = await clients.lambda.send(new client_lambda_dist_cjs/* GetFunctionCommand */.YF5({ FunctionName: name }));
    }
    catch (error) {
        if (errorName(error) === 'ResourceNotFoundException') {
            throw new DeployError(`Lambda function ${name} does not exist in ${region}.`);
        }
        throw error;
    }
    const configuration = output.Configuration ?? {};
    if (configuration.PackageType !== 'Image') {
        throw new DeployError(`Lambda function ${name} is a ${configuration.PackageType ?? 'Zip'} package; the action deploys container images only.`);
    }
    const architecture = configuration.Architectures?.[0] ?? 'x86_64';
    const platform = PLATFORMS[architecture];
    if (!platform)
        throw new DeployError(`Lambda function ${name} has an unknown architecture ${architecture}.`);
    const imageUri = output.Code?.ImageUri ?? '';
    return {
        name,
        arn: configuration.FunctionArn ?? '',
        architecture,
        platform,
        imageUri,
        imageDigest: digestOf(imageUri) ?? digestOf(output.Code?.ResolvedImageUri ?? ''),
        environment: { ...(configuration.Environment?.Variables ?? {}) },
    };
}
async function describeStateMachine(clients, nameOrArn, region) {
    let arn = nameOrArn;
    if (!nameOrArn.startsWith('arn:')) {
        const found = [];
        for await (const page of (0,client_sfn_dist_cjs/* paginateListStateMachines */.tfX)({ client: clients.sfn }, {})) {
            for (const machine of page.stateMachines ?? []) {
                if (machine.name === nameOrArn && machine.stateMachineArn)
                    found.push(machine.stateMachineArn);
            }
        }
        if (found.length === 0) {
            throw new DeployError(`State machine ${nameOrArn} does not exist in ${region}.`);
        }
        arn = found[0];
    }
    try {
        const output = await clients.sfn.send(new client_sfn_dist_cjs/* DescribeStateMachineCommand */.LyQ({ stateMachineArn: arn }));
        return {
            arn: output.stateMachineArn ?? arn,
            name: output.name ?? nameOrArn,
            roleArn: output.roleArn ?? '',
            definition: output.definition ?? '',
            loggingConfiguration: output.loggingConfiguration,
            tracingConfiguration: output.tracingConfiguration,
            revisionId: output.revisionId,
        };
    }
    catch (error) {
        if (errorName(error) === 'StateMachineDoesNotExist' || errorName(error) === 'InvalidArn') {
            throw new DeployError(`State machine ${nameOrArn} does not exist (${errorName(error)}).`);
        }
        throw error;
    }
}
/** `sha256:…` from `repo@sha256:…`, or undefined. */
function digestOf(imageUri) {
    const match = /@(sha256:[0-9a-f]{64})$/.exec(imageUri);
    return match?.[1];
}
function errorName(error) {
    return error instanceof Error ? error.name : '';
}
function httpStatus(error) {
    return error?.$metadata?.httpStatusCode;
}
/** One line for an AWS or system error: its name, message and HTTP status when there is one. */
function describeError(error) {
    if (!(error instanceof Error))
        return String(error);
    const status = httpStatus(error);
    const message = error.message && error.message !== 'UnknownError' ? error.message : 'no message';
    return `${error.name}${status ? ` (HTTP ${status})` : ''}: ${message}`;
}

;// CONCATENATED MODULE: ./src/deploy/image-step.ts
/**
 * The image step: build the model's image from the folder above the model folder, for the Lambda's platform,
 * and push it to the ECR repository under the commit SHA (and the git tag on tag refs). When the tag is
 * already in the repository, nothing is built or pushed (unless force-build); missing extra tags are added
 * by pointing them at the existing manifest.
 */








class ImageStep {
    name = 'image';
    #o;
    #registry;
    constructor(options) {
        this.#o = options;
    }
    async plan() {
        const { preflight, target, options, git } = this.#o;
        const repository = preflight.repository;
        const fn = preflight.function;
        if (!repository || !fn)
            throw new Error('ImageStep needs the repository and the function from the preflight.');
        const tags = imageTagsFor(options, git);
        const context = (0,external_node_path_.resolve)(options.buildContext ?? (0,external_node_path_.dirname)(target.modelDir));
        const dockerfile = (0,external_node_path_.resolve)(options.dockerfile ?? (0,external_node_path_.join)(target.modelDir, 'Dockerfile'));
        const { client } = await this.#registryClient();
        const repositoryPath = parseImageReference(repository.uri).repository;
        const [existing, ...others] = await Promise.all(tags.map((tag) => client.manifestInfo(repositoryPath, tag)));
        const base = { repositoryUri: repository.uri, tags, platform: fn.platform, context, dockerfile, missingTags: [] };
        let reuse = false;
        let reason;
        if (!existing) {
            reason = `tag ${tags[0]} is not in the repository`;
        }
        else if (INDEX_MANIFEST_TYPES.includes(existing.mediaType)) {
            reason = `tag ${tags[0]} is an image index (${existing.mediaType}), which Lambda rejects: rebuilding`;
        }
        else if (options.forceBuild) {
            reason = `tag ${tags[0]} exists, rebuilding because force-build is true`;
        }
        else {
            reuse = true;
            reason = `tag ${tags[0]} is already in the repository`;
        }
        if (reuse && existing) {
            const missingTags = tags.filter((tag, index) => index > 0 && others[index - 1]?.digest !== existing.digest);
            return {
                ...base,
                action: 'reuse',
                reason,
                existingDigest: existing.digest,
                missingTags,
                cacheFrom: [],
                imageUri: `${repository.uri}@${existing.digest}`,
            };
        }
        await mustExist(context, 'build context', 'input `build-context`');
        await mustExist(dockerfile, 'Dockerfile', 'input `dockerfile`');
        if (this.#o.requireDocker)
            await this.#o.docker.info();
        const cacheFrom = fn.imageUri.startsWith(`${repository.uri}:`) || fn.imageUri.startsWith(`${repository.uri}@`) ? [fn.imageUri] : [];
        return { ...base, action: 'build', reason, existingDigest: existing?.digest, cacheFrom };
    }
    async apply(plan) {
        const { logger } = this.#o;
        const repositoryPath = parseImageReference(plan.repositoryUri).repository;
        const { client, credentials } = await this.#registryClient();
        if (plan.action === 'reuse' && plan.existingDigest) {
            for (const tag of plan.missingTags) {
                logger.info(`Tagging ${plan.repositoryUri}@${plan.existingDigest} as ${tag} (no build, no layer pushed).`);
                await client.tagManifest(repositoryPath, plan.existingDigest, tag);
            }
            logger.info(`Image ${plan.repositoryUri}:${plan.tags[0]} is already in the repository: nothing built or pushed.`);
            return {
                repositoryUri: plan.repositoryUri,
                tags: plan.tags,
                digest: plan.existingDigest,
                imageUri: `${plan.repositoryUri}@${plan.existingDigest}`,
                built: false,
                layersPushed: 0,
                tagsAdded: plan.missingTags,
            };
        }
        const { docker, target, options, git } = this.#o;
        const references = plan.tags.map((tag) => `${plan.repositoryUri}:${tag}`);
        try {
            await docker.login(credentials.endpoint, credentials.username, credentials.password);
            const labels = {
                'org.opencontainers.image.revision': git.sha,
                'org.opencontainers.image.created': (this.#o.now ?? (() => new Date()))().toISOString(),
            };
            if (git.repositoryUrl)
                labels['org.opencontainers.image.source'] = git.repositoryUrl;
            const { builder } = await docker.build({
                context: plan.context,
                dockerfile: plan.dockerfile,
                tags: references,
                buildArgs: { QUETZAL_MODEL_NAME: (0,external_node_path_.basename)(target.modelDir), IMAGE_TAG: plan.tags[0], ...options.buildArgs },
                labels,
                platform: plan.platform,
                cacheFrom: plan.cacheFrom,
            });
            logger.info(`Built with the ${builder} builder.`);
            let digest = '';
            let layersPushed = 0;
            for (const reference of references) {
                const pushed = await docker.push(reference);
                if (digest && pushed.digest !== digest) {
                    throw new DeployError(`Pushing ${reference} gave digest ${pushed.digest}, not ${digest}.`);
                }
                digest = pushed.digest;
                layersPushed += pushed.layersPushed;
            }
            const stored = await client.manifestInfo(repositoryPath, plan.tags[0]);
            if (!stored || stored.digest !== digest) {
                throw new DeployError(`The registry does not show ${references[0]} at ${digest} after the push.`);
            }
            if (INDEX_MANIFEST_TYPES.includes(stored.mediaType)) {
                throw new DeployError(`${references[0]} was pushed as an image index (${stored.mediaType}); Lambda needs a single image manifest.`, 'Build one platform without attestations (--provenance=false --sbom=false).');
            }
            return {
                repositoryUri: plan.repositoryUri,
                tags: plan.tags,
                digest,
                imageUri: `${plan.repositoryUri}@${digest}`,
                built: true,
                layersPushed,
                tagsAdded: plan.tags,
            };
        }
        finally {
            await docker.dispose();
        }
    }
    reportPlan(plan) {
        const details = [
            ['Repository', plan.repositoryUri],
            ['Tags', plan.tags.join(', ')],
            ['Platform', plan.platform],
            ['Why', plan.reason],
        ];
        if (plan.action === 'reuse') {
            details.push(['Digest', plan.existingDigest ?? '']);
            if (plan.missingTags.length > 0)
                details.push(['Tags to add', plan.missingTags.join(', ')]);
        }
        else {
            details.push(['Build context', plan.context], ['Dockerfile', plan.dockerfile]);
            if (plan.cacheFrom.length > 0)
                details.push(['Build cache from', plan.cacheFrom.join(', ')]);
        }
        return {
            step: 'image',
            status: plan.action === 'reuse' ? (plan.missingTags.length > 0 ? 'present, would add tags' : 'present, no build') : 'would build and push',
            details,
            outputs: plan.imageUri ? { 'image-uri': plan.imageUri, 'image-digest': plan.existingDigest ?? '' } : {},
        };
    }
    reportOutcome(outcome) {
        return {
            step: 'image',
            status: outcome.built ? 'built and pushed' : outcome.tagsAdded.length > 0 ? 'present, tags added' : 'unchanged',
            details: [
                ['Image', outcome.imageUri],
                ['Tags', outcome.tags.join(', ')],
                ['Layers pushed', String(outcome.layersPushed)],
            ],
            outputs: { 'image-uri': outcome.imageUri, 'image-digest': outcome.digest },
        };
    }
    async #registryClient() {
        if (this.#registry)
            return this.#registry;
        const { clients, logger, preflight } = this.#o;
        let output;
        try {
            output = await clients.ecr.send(new dist_cjs/* GetAuthorizationTokenCommand */.Eu6(preflight.repository?.registryId ? { registryIds: [preflight.repository.registryId] } : {}));
        }
        catch (error) {
            throw new DeployError(`ECR GetAuthorizationToken failed: ${describeError(error)}`, 'The role needs ecr:GetAuthorizationToken.', {
                cause: error,
            });
        }
        const data = output.authorizationData?.[0];
        if (!data?.authorizationToken || !data.proxyEndpoint)
            throw new DeployError('ECR GetAuthorizationToken returned no token.');
        const decoded = Buffer.from(data.authorizationToken, 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        const credentials = { endpoint: data.proxyEndpoint, username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
        logger.secret(credentials.password);
        logger.secret(data.authorizationToken);
        this.#registry = { client: new RegistryClient(credentials), credentials };
        return this.#registry;
    }
}
async function mustExist(path, what, input) {
    try {
        await (0,promises_.access)(path, external_node_fs_.constants.R_OK);
    }
    catch {
        throw new DeployError(`The ${what} ${path} does not exist.`, `Check ${input}.`);
    }
}

;// CONCATENATED MODULE: ./src/deploy/lambda-step.ts
/**
 * The Lambda step: point the function at the new image (repository@digest), wait until the update is done,
 * set IMAGE_TAG in its environment (keeping every other variable), and optionally publish a version and move
 * an alias to it. Calls made while an earlier update is still in progress (ResourceConflictException) wait for
 * it and retry. `rollback()` puts the previous image, environment and alias back.
 */



class LambdaStep {
    name = 'lambda';
    #o;
    #fn;
    constructor(options) {
        this.#o = options;
        if (!options.preflight.function)
            throw new Error('LambdaStep needs the function from the preflight.');
        this.#fn = options.preflight.function;
    }
    /** Read-only. `imageUri` is repository@digest when the image is known (already pushed), else undefined. */
    async plan(imageUri) {
        const fn = this.#fn;
        const newDigest = imageUri ? digestOf(imageUri) : undefined;
        return {
            functionName: fn.name,
            functionArn: fn.arn,
            currentImageUri: fn.imageUri,
            imageUri,
            imageTag: this.#o.imageTag,
            codeChanges: newDigest === undefined ? undefined : newDigest !== fn.imageDigest,
            environmentChanges: fn.environment.IMAGE_TAG !== this.#o.imageTag,
            publish: this.#o.publish,
            alias: this.#o.alias,
            versionDescription: `${this.#o.imageTag} (commit ${this.#o.commitSha.slice(0, 12)})`,
        };
    }
    async apply(plan) {
        const { logger } = this.#o;
        const imageUri = plan.imageUri;
        if (!imageUri || !digestOf(imageUri))
            throw new Error('LambdaStep.apply needs the image as repository@sha256:digest.');
        const name = plan.functionName;
        const previousEnvironment = this.#fn.environment;
        const outcome = {
            functionName: name,
            imageUri,
            codeUpdated: false,
            environmentUpdated: false,
            previous: { imageUri: this.#fn.imageUri, imageTag: previousEnvironment.IMAGE_TAG },
        };
        if (digestOf(imageUri) !== this.#fn.imageDigest) {
            logger.info(`Updating ${name} to ${imageUri}`);
            await this.#withConflictRetry('UpdateFunctionCode', () => this.#o.clients.lambda.send(new client_lambda_dist_cjs/* UpdateFunctionCodeCommand */.KfB({ FunctionName: name, ImageUri: imageUri })));
            outcome.codeUpdated = true;
            await this.waitUntilUpdated(name);
        }
        else {
            logger.info(`${name} already runs ${imageUri}.`);
        }
        const current = await this.#configuration(name);
        const variables = { ...(current.Environment?.Variables ?? {}) };
        if (variables.IMAGE_TAG !== plan.imageTag) {
            logger.info(`Setting IMAGE_TAG=${plan.imageTag} in ${name}'s environment (other variables kept).`);
            await this.#setEnvironment(name, { ...variables, IMAGE_TAG: plan.imageTag });
            outcome.environmentUpdated = true;
        }
        if (plan.publish) {
            const published = await this.#withConflictRetry('PublishVersion', () => this.#o.clients.lambda.send(new client_lambda_dist_cjs/* PublishVersionCommand */.D3m({ FunctionName: name, Description: plan.versionDescription })));
            outcome.version = published.Version;
            logger.info(`Published ${name} version ${published.Version}.`);
            const waited = await (0,client_lambda_dist_cjs/* waitForPublishedVersionActive */.pZL)(this.#waiterConfig(), { FunctionName: name, Qualifier: published.Version });
            if (waited.state !== 'SUCCESS') {
                throw new DeployError(`Version ${published.Version} of ${name} did not become active (${waited.state}).`);
            }
            if (plan.alias && published.Version) {
                const moved = await this.#moveAlias(name, plan.alias, published.Version);
                outcome.aliasArn = moved.aliasArn;
                outcome.previous.aliasVersion = moved.previousVersion;
            }
        }
        return outcome;
    }
    /** Puts back the image, IMAGE_TAG and alias that were there before apply(). Returns what it did. */
    async rollback(outcome) {
        const { logger } = this.#o;
        const name = outcome.functionName;
        const done = [];
        if (outcome.codeUpdated) {
            logger.warning(`Rolling ${name} back to ${outcome.previous.imageUri}`);
            await this.#withConflictRetry('UpdateFunctionCode', () => this.#o.clients.lambda.send(new client_lambda_dist_cjs/* UpdateFunctionCodeCommand */.KfB({ FunctionName: name, ImageUri: outcome.previous.imageUri })));
            await this.waitUntilUpdated(name);
            done.push(`image back to ${outcome.previous.imageUri}`);
        }
        if (outcome.environmentUpdated) {
            const variables = { ...((await this.#configuration(name)).Environment?.Variables ?? {}) };
            if (outcome.previous.imageTag === undefined)
                delete variables.IMAGE_TAG;
            else
                variables.IMAGE_TAG = outcome.previous.imageTag;
            await this.#setEnvironment(name, variables);
            done.push(outcome.previous.imageTag === undefined ? 'IMAGE_TAG removed' : `IMAGE_TAG back to ${outcome.previous.imageTag}`);
        }
        if (outcome.aliasArn && outcome.previous.aliasVersion) {
            const alias = outcome.aliasArn.split(':').at(-1) ?? '';
            await this.#o.clients.lambda.send(new client_lambda_dist_cjs/* UpdateAliasCommand */.lqC({ FunctionName: name, Name: alias, FunctionVersion: outcome.previous.aliasVersion }));
            done.push(`alias ${alias} back to version ${outcome.previous.aliasVersion}`);
        }
        return done;
    }
    reportPlan(plan) {
        const changes = plan.codeChanges !== false || plan.environmentChanges;
        const details = [
            ['Function', plan.functionName],
            ['Current image', plan.currentImageUri || '(none)'],
            ['New image', plan.imageUri ?? `the image to be built (tag ${plan.imageTag})`],
            ['IMAGE_TAG', plan.environmentChanges ? `would become ${plan.imageTag}` : `already ${plan.imageTag}`],
        ];
        if (plan.publish)
            details.push(['Publish', `a version${plan.alias ? `, alias ${plan.alias} moved to it` : ''}`]);
        return { step: 'lambda', status: changes ? 'would update' : 'unchanged', details, outputs: {} };
    }
    reportOutcome(outcome) {
        const details = [
            ['Function', outcome.functionName],
            ['Image', outcome.imageUri],
            ['Previous image', outcome.previous.imageUri],
        ];
        if (outcome.version)
            details.push(['Version', outcome.version]);
        if (outcome.aliasArn)
            details.push(['Alias', outcome.aliasArn]);
        const changed = outcome.codeUpdated || outcome.environmentUpdated;
        return {
            step: 'lambda',
            status: changed ? 'updated' : outcome.version ? 'unchanged, version published' : 'unchanged',
            details,
            outputs: outcome.version ? { 'lambda-version': outcome.version } : {},
        };
    }
    /** Waits until LastUpdateStatus is Successful; a DeployError with the reason when it fails or takes too long. */
    async waitUntilUpdated(name) {
        const result = await (0,client_lambda_dist_cjs/* waitForFunctionUpdatedV2 */.u5c)(this.#waiterConfig(), { FunctionName: name });
        if (result.state === 'SUCCESS')
            return;
        if (result.state === 'FAILURE') {
            const configuration = result.reason?.Configuration;
            const reason = configuration?.LastUpdateStatusReason ?? 'no reason given';
            const code = configuration?.LastUpdateStatusReasonCode;
            throw new DeployError(`The update of Lambda function ${name} failed: ${reason}${code ? ` (${code})` : ''}.`, 'Check that the image runs on the function’s architecture and that the function’s role can pull from ECR.');
        }
        throw new DeployError(`Lambda function ${name} was still updating (LastUpdateStatus InProgress) after ${this.#o.waitTimeoutMinutes} minute(s).`, 'Raise input `wait-timeout-minutes`, or look at the function in the console.');
    }
    #waiterConfig() {
        const delay = this.#o.pollDelay ?? { min: 1, max: 15 };
        return {
            client: this.#o.clients.lambda,
            maxWaitTime: Math.max(this.#o.waitTimeoutMinutes * 60, delay.min * 2),
            minDelay: delay.min,
            maxDelay: delay.max,
        };
    }
    async #configuration(name) {
        return this.#o.clients.lambda.send(new client_lambda_dist_cjs/* GetFunctionConfigurationCommand */.qA6({ FunctionName: name }));
    }
    async #setEnvironment(name, variables) {
        await this.#withConflictRetry('UpdateFunctionConfiguration', () => this.#o.clients.lambda.send(new client_lambda_dist_cjs/* UpdateFunctionConfigurationCommand */.Zlw({ FunctionName: name, Environment: { Variables: variables } })));
        await this.waitUntilUpdated(name);
    }
    async #moveAlias(name, alias, version) {
        const lambda = this.#o.clients.lambda;
        let previousVersion;
        try {
            previousVersion = (await lambda.send(new client_lambda_dist_cjs/* GetAliasCommand */.MES({ FunctionName: name, Name: alias }))).FunctionVersion;
        }
        catch (error) {
            if (errorName(error) !== 'ResourceNotFoundException')
                throw error;
        }
        if (previousVersion === undefined) {
            const created = await lambda.send(new client_lambda_dist_cjs/* CreateAliasCommand */.W_e({ FunctionName: name, Name: alias, FunctionVersion: version }));
            this.#o.logger.info(`Created alias ${alias} → version ${version}.`);
            return { aliasArn: created.AliasArn };
        }
        const updated = await lambda.send(new client_lambda_dist_cjs/* UpdateAliasCommand */.lqC({ FunctionName: name, Name: alias, FunctionVersion: version }));
        this.#o.logger.info(`Moved alias ${alias} from version ${previousVersion} to ${version}.`);
        return { aliasArn: updated.AliasArn, previousVersion };
    }
    /** Runs `call`; while Lambda answers ResourceConflictException (an update in progress), waits for it and retries. */
    async #withConflictRetry(what, call) {
        const deadline = Date.now() + this.#o.waitTimeoutMinutes * 60_000;
        for (let attempt = 1;; attempt++) {
            try {
                return await call();
            }
            catch (error) {
                if (errorName(error) !== 'ResourceConflictException') {
                    throw new DeployError(`Lambda ${what} on ${this.#fn.name} failed: ${describeError(error)}`, undefined, { cause: error });
                }
                if (Date.now() >= deadline) {
                    throw new DeployError(`Lambda ${what} on ${this.#fn.name} kept failing with ResourceConflictException (an update in progress) for ${this.#o.waitTimeoutMinutes} minute(s).`, 'Raise input `wait-timeout-minutes` or wait for the other update to finish.');
                }
                this.#o.logger.info(`${what}: another update of ${this.#fn.name} is in progress, waiting (attempt ${attempt}).`);
                await this.waitUntilUpdated(this.#fn.name);
                await new Promise((done) => setTimeout(done, (this.#o.pollDelay?.min ?? 1) * 1000));
            }
        }
    }
}

// EXTERNAL MODULE: external "node:util"
var external_node_util_ = __webpack_require__(7975);
// EXTERNAL MODULE: ./src/validate/definition/substitutions.ts
var substitutions = __webpack_require__(1092);
;// CONCATENATED MODULE: ./src/deploy/state-machine-step.ts
/**
 * The state machine step: fill the definition's substitutions, ask Step Functions to validate it (when the API
 * answers), compare it with the deployed one (parsed JSON), and update the state machine only when it differs.
 * Role, logging and tracing are left as they are (UpdateStateMachine changes only what it is given).
 */





/** Step Functions' limit on a definition (1 MB of UTF-8). */
const MAX_DEFINITION_BYTES = 1024 * 1024;
class StateMachineStep {
    name = 'state-machine';
    #o;
    #machine;
    constructor(options) {
        this.#o = options;
        if (!options.preflight.stateMachine)
            throw new Error('StateMachineStep needs the state machine from the preflight.');
        this.#machine = options.preflight.stateMachine;
    }
    async plan() {
        const { preflight, target, definitionPath } = this.#o;
        const values = {
            AccountId: preflight.accountId,
            Region: preflight.region,
            ModelName: target.modelName,
            LambdaFunctionArn: preflight.function?.arn ?? '',
            BucketName: target.bucketName,
        };
        const { text, missing } = (0,substitutions/* substituteDefinition */.K8)(this.#o.definitionText, values);
        if (missing.length > 0) {
            throw new DeployError(`${definitionPath} uses ${missing.map((name) => `\${${name}}`).join(', ')}, which the action does not fill.`, `The action fills ${substitutions/* BUILTIN_SUBSTITUTIONS */.jF.map((name) => `\${${name}}`).join(', ')}; write the other values in the file.`);
        }
        let parsed;
        try {
            parsed = JSON.parse(text);
        }
        catch (error) {
            throw new DeployError(`${definitionPath} is not JSON once substitutions are filled: ${error.message}`);
        }
        const bytes = Buffer.byteLength(text, 'utf8');
        if (bytes > MAX_DEFINITION_BYTES) {
            throw new DeployError(`${definitionPath} is ${bytes} bytes; Step Functions accepts at most ${MAX_DEFINITION_BYTES}.`);
        }
        const validation = await this.#validate(text);
        let deployed;
        try {
            deployed = JSON.parse(this.#machine.definition);
        }
        catch {
            deployed = this.#machine.definition;
        }
        const changed = !(0,external_node_util_.isDeepStrictEqual)(parsed, deployed);
        return {
            stateMachineArn: this.#machine.arn,
            definition: text,
            changed,
            diff: changed ? jsonDiff(deployed, parsed) : [],
            validation,
            publish: this.#o.publish,
            versionDescription: `${this.#o.imageTag} (commit ${this.#o.commitSha.slice(0, 12)})`.slice(0, 256),
        };
    }
    async apply(plan) {
        const { clients, logger } = this.#o;
        const arn = plan.stateMachineArn;
        if (plan.changed) {
            logger.info(`Updating state machine ${arn} (role, logging and tracing kept).`);
            let output;
            try {
                output = await clients.sfn.send(new client_sfn_dist_cjs/* UpdateStateMachineCommand */.RnG({
                    stateMachineArn: arn,
                    definition: plan.definition,
                    ...(plan.publish ? { publish: true, versionDescription: plan.versionDescription } : {}),
                }));
            }
            catch (error) {
                throw new DeployError(`UpdateStateMachine on ${arn} failed: ${describeError(error)}`, undefined, { cause: error });
            }
            return { stateMachineArn: arn, updated: true, versionArn: output.stateMachineVersionArn };
        }
        if (!plan.publish)
            return { stateMachineArn: arn, updated: false };
        return { stateMachineArn: arn, updated: false, versionArn: await this.#publishUnchanged(plan) };
    }
    reportPlan(plan) {
        return {
            step: 'state-machine',
            status: plan.changed ? 'would update' : 'unchanged',
            details: [
                ['State machine', plan.stateMachineArn],
                ['Validation', plan.validation],
                ['Definition', plan.changed ? `differs (${plan.diff.length} change line(s))` : 'equal to the deployed one'],
            ],
            outputs: { 'state-machine-arn': plan.stateMachineArn },
            markdown: plan.changed ? ['```diff', ...plan.diff, '```'].join('\n') : undefined,
        };
    }
    reportOutcome(outcome) {
        const details = [['State machine', outcome.stateMachineArn]];
        if (outcome.versionArn)
            details.push(['Version', outcome.versionArn]);
        const outputs = { 'state-machine-arn': outcome.stateMachineArn };
        if (outcome.versionArn)
            outputs['state-machine-version-arn'] = outcome.versionArn;
        return { step: 'state-machine', status: outcome.updated ? 'updated' : 'unchanged', details, outputs };
    }
    /** ValidateStateMachineDefinition: a DeployError on FAIL; a warning (and go on) when the API does not answer. */
    async #validate(definition) {
        const { clients, logger, definitionPath } = this.#o;
        let output;
        try {
            output = await clients.sfn.send(new client_sfn_dist_cjs/* ValidateStateMachineDefinitionCommand */.jDM({ definition, type: 'STANDARD' }));
        }
        catch (error) {
            const why = describeError(error);
            logger.warning(`Step Functions could not validate ${definitionPath} online (${why}); going on with the local validation.`);
            return `skipped: the API did not answer (${errorName(error) || httpStatus(error) || 'error'})`;
        }
        const errors = (output.diagnostics ?? []).filter((d) => d.severity === 'ERROR');
        for (const warning of (output.diagnostics ?? []).filter((d) => d.severity !== 'ERROR')) {
            logger.warning(`${definitionPath}: ${warning.code}: ${warning.message}${warning.location ? ` at ${warning.location}` : ''}`);
        }
        if (output.result === 'FAIL' || errors.length > 0) {
            const lines = errors.map((d) => `${d.code}: ${d.message}${d.location ? ` (at ${d.location})` : ''}`);
            throw new DeployError(`Step Functions rejects ${definitionPath}:\n- ${lines.join('\n- ') || 'no diagnostic given'}`, 'Fix the definition; nothing was changed.');
        }
        return 'OK (ValidateStateMachineDefinition)';
    }
    async #publishUnchanged(plan) {
        const { clients, logger } = this.#o;
        try {
            const output = await clients.sfn.send(new client_sfn_dist_cjs/* PublishStateMachineVersionCommand */.t9C({
                stateMachineArn: plan.stateMachineArn,
                description: plan.versionDescription,
                ...(this.#machine.revisionId ? { revisionId: this.#machine.revisionId } : {}),
            }));
            return output.stateMachineVersionArn;
        }
        catch (error) {
            const status = httpStatus(error) ?? 0;
            if (status < 500 && errorName(error) !== 'UnknownOperationException') {
                throw new DeployError(`PublishStateMachineVersion on ${plan.stateMachineArn} failed: ${describeError(error)}`);
            }
            // An endpoint without PublishStateMachineVersion (an emulator): publish through an update with the same definition.
            logger.warning(`PublishStateMachineVersion did not answer (${describeError(error)}); publishing through UpdateStateMachine.`);
            const output = await clients.sfn.send(new client_sfn_dist_cjs/* UpdateStateMachineCommand */.RnG({
                stateMachineArn: plan.stateMachineArn,
                definition: plan.definition,
                publish: true,
                versionDescription: plan.versionDescription,
            }));
            return output.stateMachineVersionArn;
        }
    }
}
const DIFF_LIMIT = 30;
/** Differences between two JSON values as `- path: old` / `+ path: new` lines, at most DIFF_LIMIT (then a count). */
function jsonDiff(before, after) {
    const lines = [];
    const walk = (a, b, path) => {
        if ((0,external_node_util_.isDeepStrictEqual)(a, b))
            return;
        const bothObjects = isObject(a) && isObject(b);
        const bothArrays = Array.isArray(a) && Array.isArray(b);
        if (bothObjects) {
            const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
            for (const key of keys)
                walk(a[key], b[key], `${path}${/^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`}`);
            return;
        }
        if (bothArrays && a.length === b.length) {
            a.forEach((item, index) => walk(item, b[index], `${path}[${index}]`));
            return;
        }
        if (a !== undefined)
            lines.push(`- ${path || '$'}: ${state_machine_step_short(a)}`);
        if (b !== undefined)
            lines.push(`+ ${path || '$'}: ${state_machine_step_short(b)}`);
    };
    walk(before, after, '');
    if (lines.length <= DIFF_LIMIT)
        return lines;
    return [...lines.slice(0, DIFF_LIMIT), `… and ${lines.length - DIFF_LIMIT} more line(s)`];
}
function isObject(value) {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}
function state_machine_step_short(value) {
    const text = JSON.stringify(value) ?? String(value);
    return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

;// CONCATENATED MODULE: ./src/deploy/run-deploy.ts







/** A failure after preflight: carries the reports of the steps that were done, for the summary. */
class DeployRunError extends DeployError {
    reports;
    constructor(error, reports) {
        super(error.message, error.hint, { cause: error.cause ?? error });
        this.name = 'DeployRunError';
        this.reports = reports;
    }
}
async function runDeploySteps(input) {
    const { mode, clients, logger, target, options, git } = input;
    const selected = new Set(options.steps);
    const publish = shouldPublish(options, git);
    const imageTag = imageTagsFor(options, git)[0];
    const preflight = await logger.group('Preflight (read-only)', () => runPreflight(clients, target, options.steps, logger, mode === 'deploy' && input.lock ? ['bucket'] : []));
    // --- plans (read-only) ---------------------------------------------------------------------------------------
    const needImage = selected.has('image') || selected.has('lambda');
    const docker = input.docker ?? new CliDockerEngine({ logger });
    const image = needImage
        ? new ImageStep({
            clients,
            logger,
            preflight,
            target,
            // Without the image step, the Lambda uses the tag as it is in the repository: never plan a build.
            options: selected.has('image') ? options : { ...options, forceBuild: false },
            git,
            docker,
            requireDocker: mode === 'deploy' && selected.has('image'),
        })
        : undefined;
    const lambda = selected.has('lambda')
        ? new LambdaStep({
            clients,
            logger,
            preflight,
            imageTag,
            commitSha: git.sha,
            publish,
            alias: options.alias,
            waitTimeoutMinutes: options.waitTimeoutMinutes,
            pollDelay: input.lambdaPollDelay,
        })
        : undefined;
    const stateMachine = selected.has('state-machine')
        ? new StateMachineStep({
            clients,
            logger,
            preflight,
            target,
            definitionText: input.definition.text,
            definitionPath: input.definition.path,
            publish,
            imageTag,
            commitSha: git.sha,
        })
        : undefined;
    const scenarios = selected.has('scenarios') && input.scenarios ? input.scenarios(preflight) : undefined;
    const { imagePlan, lambdaPlan, machinePlan, scenariosPlan } = await logger.group('Plan (read-only)', async () => {
        const imagePlan = image ? await image.plan() : undefined;
        if (imagePlan && !selected.has('image') && imagePlan.action === 'build') {
            throw new DeployError(`The Lambda step needs image ${imagePlan.repositoryUri}:${imagePlan.tags[0]}, which is not in the repository.`, 'Add `image` to input `steps`, or set input `image-tag` to a tag that was pushed.');
        }
        const lambdaPlan = lambda ? await lambda.plan(imagePlan?.imageUri) : undefined;
        const machinePlan = stateMachine ? await stateMachine.plan() : undefined;
        const scenariosPlan = scenarios ? await scenarios.plan() : undefined;
        return { imagePlan, lambdaPlan, machinePlan, scenariosPlan };
    });
    const skipped = (step) => ({
        step,
        status: step === 'scenarios' && selected.has('scenarios') ? 'skipped (no scenarios step given)' : 'skipped (not in steps)',
        details: [],
        outputs: {},
    });
    if (mode === 'plan') {
        const reports = [
            selected.has('image') && image && imagePlan ? image.reportPlan(imagePlan) : skipped('image'),
            lambda && lambdaPlan ? lambda.reportPlan(lambdaPlan) : skipped('lambda'),
            stateMachine && machinePlan ? stateMachine.reportPlan(machinePlan) : skipped('state-machine'),
            scenarios ? scenarios.reportPlan(scenariosPlan) : skipped('scenarios'),
        ];
        return { preflight, reports, outputs: collectOutputs(reports) };
    }
    // --- apply (writes) ------------------------------------------------------------------------------------------
    const reports = [];
    const lock = input.lock ? await logger.group('Deploy lock', () => input.lock(preflight)) : undefined;
    const timed = async (title, task) => {
        lock?.assertHeld();
        const started = performance.now();
        const value = await logger.group(title, task);
        return { value, seconds: (performance.now() - started) / 1000 };
    };
    let lambdaOutcome;
    try {
        let imageUri = imagePlan?.imageUri;
        if (image && imagePlan && selected.has('image')) {
            const { value, seconds } = await timed('Image', () => image.apply(imagePlan));
            imageUri = value.imageUri;
            reports.push({ ...image.reportOutcome(value), seconds });
        }
        else {
            reports.push(skipped('image'));
        }
        if (lambda && lambdaPlan) {
            const plan = { ...lambdaPlan, imageUri };
            const { value, seconds } = await timed('Lambda', () => lambda.apply(plan));
            lambdaOutcome = value;
            reports.push({ ...lambda.reportOutcome(value), seconds });
        }
        else {
            reports.push(skipped('lambda'));
        }
        if (stateMachine && machinePlan) {
            const plan = machinePlan;
            try {
                const { value, seconds } = await timed('State machine', () => stateMachine.apply(plan));
                reports.push({ ...stateMachine.reportOutcome(value), seconds });
            }
            catch (error) {
                throw await rollbackAfter(error, lambda, lambdaOutcome, options.rollback, logger);
            }
        }
        else {
            reports.push(skipped('state-machine'));
        }
        if (scenarios) {
            const { value, seconds } = await timed('Scenarios', () => scenarios.apply(scenariosPlan));
            reports.push({ ...scenarios.reportOutcome(value), seconds });
        }
        else {
            reports.push(skipped('scenarios'));
        }
    }
    catch (error) {
        if (error instanceof DeployError)
            throw new DeployRunError(error, reports);
        throw error;
    }
    finally {
        await lock?.release();
    }
    return { preflight, reports, outputs: collectOutputs(reports) };
}
/** After a failed state machine update: roll the Lambda back when it moved and rollback is on; the error says so. */
async function rollbackAfter(error, lambda, outcome, rollback, logger) {
    const failure = error instanceof DeployError ? error : new DeployError(String(error?.message ?? error), undefined, { cause: error });
    const moved = outcome && (outcome.codeUpdated || outcome.environmentUpdated || outcome.aliasArn !== undefined);
    if (!lambda || !outcome || !moved)
        return failure;
    if (!rollback) {
        return new DeployError(`${failure.message}\nThe Lambda function ${outcome.functionName} now runs ${outcome.imageUri} (rollback is off).`, failure.hint, { cause: error });
    }
    try {
        const done = await lambda.rollback(outcome);
        logger.warning(`Rolled back Lambda function ${outcome.functionName}: ${done.join('; ')}.`);
        return new DeployError(`${failure.message}\nThe Lambda function ${outcome.functionName} was rolled back: ${done.join('; ')}.`, failure.hint, { cause: error });
    }
    catch (rollbackError) {
        return new DeployError(`${failure.message}\nRolling back Lambda function ${outcome.functionName} to ${outcome.previous.imageUri} ALSO failed: ${rollbackError.message}`, 'Point the function at its previous image by hand.', { cause: error });
    }
}
function collectOutputs(reports) {
    return Object.assign({}, ...reports.map((report) => report.outputs));
}

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
;// CONCATENATED MODULE: ./src/lock/deploy-lock.ts
/**
 * The deploy lock: one deploy per model at a time, across runs, runners and machines.
 *
 * A JSON object at `_common/.deploy-lock.json` in the model's bucket names its holder. It is taken with S3
 * conditional writes: `PutObject` with `If-None-Match: *` creates it only when absent; an expired lock is replaced
 * with `If-Match: <its ETag>`; the holder renews it (heartbeat) with `If-Match: <our ETag>` and releases it with a
 * conditional `DeleteObject` (`If-Match: <our ETag>`), so a run never deletes or overwrites a lock it does not hold.
 * S3 answers 412 PreconditionFailed when a condition fails and 409 ConditionalRequestConflict when two conditional
 * requests race; both mean "someone else got there first": read the lock again.
 *
 * Expiry is judged on S3's clock only: a lock is expired when the `Date` of S3's answer is past its `LastModified`
 * plus the holder's TTL, so runners with skewed clocks agree. A crashed run's lock therefore frees itself after its
 * TTL; a live holder rewrites it every TTL/3.
 *
 * Every write carries a random token. After a write whose answer was lost (the SDK retried and S3 answered 412),
 * reading the lock back and finding our token tells us the write did happen. After taking the lock, we wait a
 * moment and read it back: on S3 this always finds our token (the conditional write is atomic); it also protects
 * against stores whose conditional check is not atomic with the write (moto 5.2.1 checks, then writes, in a
 * threaded server), where two racing creates could both be answered 200.
 *
 * Permissions: s3:GetObject, s3:PutObject and s3:DeleteObject on `<bucket>/_common/.deploy-lock.json`
 * (a conditional delete with an ETag needs s3:GetObject too).
 */



const LOCK_KEY = '_common/.deploy-lock.json';
/** Defaults of the action inputs. The wait is longer than the TTL, so a crashed run never makes the next one fail. */
const DEFAULT_LOCK_TIMEOUT_MINUTES = 15;
const DEFAULT_LOCK_TTL_MINUTES = 10;
const DEFAULT_POLL_SECONDS = 10;
/** The longest a GitHub-hosted job may run: waiting longer makes no sense. */
const MAX_MINUTES = 360;
/** Reads the action inputs `lock-timeout-minutes` and `lock-ttl-minutes` ('' = default). */
function parseLockOptions(get) {
    const read = (name, fallback, minimum) => {
        const raw = get(name).trim();
        if (raw === '')
            return fallback;
        const value = Number(raw);
        if (!Number.isFinite(value) || value < minimum || value > MAX_MINUTES) {
            throw new DeployError(`Input ${name} is '${raw}': give a number of minutes from ${minimum} to ${MAX_MINUTES} (default ${fallback}).`, name === 'lock-timeout-minutes' ? 'Use 0 to fail at once when another deploy of the model runs.' : undefined);
        }
        return value;
    };
    return {
        timeoutMinutes: read('lock-timeout-minutes', DEFAULT_LOCK_TIMEOUT_MINUTES, 0),
        ttlMinutes: read('lock-ttl-minutes', DEFAULT_LOCK_TTL_MINUTES, 1),
    };
}
/** Who holds a lock, in words: `run 42 (commit 1a2b3c4, by alice, https://...) since 2025-01-01T10:00:00Z`. */
function describeHolder(body) {
    if (!body)
        return 'an unknown holder (the lock object is not one this action wrote)';
    const details = [body.sha ? `commit ${body.sha.slice(0, 12)}` : '', body.actor ? `by ${body.actor}` : '', body.url ?? ''].filter(Boolean);
    return `run ${body.runId}${details.length ? ` (${details.join(', ')})` : ''} since ${body.startedAt}`;
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const deploy_lock_status = (error) => error?.$metadata?.httpStatusCode;
const deploy_lock_errorName = (error) => error?.name;
/** 412 (condition failed) or 409 (a concurrent conditional request won): someone else wrote first. */
const lostRace = (error) => deploy_lock_status(error) === 412 || deploy_lock_status(error) === 409 || deploy_lock_errorName(error) === 'PreconditionFailed' || deploy_lock_errorName(error) === 'ConditionalRequestConflict';
const isMissing = (error) => deploy_lock_errorName(error) === 'NoSuchKey' || deploy_lock_errorName(error) === 'NotFound' || deploy_lock_status(error) === 404;
function parseBody(text) {
    try {
        const value = JSON.parse(text);
        if (value && value.version === 1 && typeof value.token === 'string' && typeof value.runId === 'string' && typeof value.ttlSeconds === 'number') {
            return value;
        }
    }
    catch {
        // not JSON: an unknown holder
    }
    return undefined;
}
/** Reads the lock (undefined when there is none), with S3's own clock from the answer's Date header. */
async function readLock(s3, bucket) {
    const command = new client_s3_dist_cjs/* GetObjectCommand */.jLs({ Bucket: bucket, Key: LOCK_KEY });
    let serverDate;
    command.middlewareStack.add((next) => async (args) => {
        const result = await next(args);
        const headers = result.response?.headers;
        serverDate = headers?.date ?? headers?.Date;
        return result;
    }, { step: 'deserialize', name: 'deployLockServerDate' });
    try {
        const answer = await s3.send(command);
        const text = (await answer.Body?.transformToString()) ?? '';
        const serverNow = serverDate ? new Date(serverDate) : new Date();
        return {
            body: parseBody(text),
            etag: answer.ETag ?? '',
            lastModified: answer.LastModified ?? serverNow,
            serverNow: Number.isNaN(serverNow.getTime()) ? new Date() : serverNow,
        };
    }
    catch (error) {
        if (isMissing(error))
            return undefined;
        throw error;
    }
}
/**
 * Expired on S3's clock: LastModified + the holder's TTL is past (our TTL when the holder's is unknown). Both
 * times are whole seconds (HTTP dates), rounded down: the strict comparison makes a lock expire between TTL and
 * TTL + 1 s after its last write, never before.
 */
function isExpired(lock, fallbackTtlSeconds) {
    const ttl = lock.body?.ttlSeconds ?? fallbackTtlSeconds;
    return lock.serverNow.getTime() > lock.lastModified.getTime() + ttl * 1000;
}
function wrapAwsError(error, doing, bucket) {
    if (error instanceof DeployError)
        throw error;
    const name = deploy_lock_errorName(error) ?? 'Error';
    const message = error?.message ?? String(error);
    if (deploy_lock_status(error) === 501 || name === 'NotImplemented') {
        throw new DeployError(`The S3 endpoint for bucket ${bucket} does not support conditional writes (${name}), which the deploy lock needs.`, 'Use Amazon S3 (conditional writes since 2024) or an S3-compatible store that supports If-None-Match / If-Match.', { cause: error });
    }
    if (name === 'AccessDenied' || deploy_lock_status(error) === 403) {
        throw new DeployError(`Access denied while ${doing} s3://${bucket}/${LOCK_KEY}: allow s3:GetObject, s3:PutObject and s3:DeleteObject on it for the deploy role.`, undefined, { cause: error });
    }
    if (name === 'NoSuchBucket') {
        throw new DeployError(`Bucket ${bucket} does not exist: check AWS_BUCKET_NAME in the model's .env and the region.`, undefined, { cause: error });
    }
    throw new DeployError(`Could not ${doing} the deploy lock s3://${bucket}/${LOCK_KEY}: ${name}: ${message}`, 'Re-run the job; if it persists, check S3 access.', { cause: error });
}
/**
 * Takes the model's deploy lock, waiting up to `waitSeconds` for another run to release it (or for its lock to
 * expire). Throws a DeployError naming the holder when the wait runs out. The returned lock renews itself until
 * released.
 */
async function acquireDeployLock(s3, options, logger) {
    const { bucket, owner } = options;
    if (!(options.ttlSeconds > 0))
        throw new DeployError(`The deploy lock TTL must be positive, got ${options.ttlSeconds} s.`);
    if (!(options.waitSeconds >= 0))
        throw new DeployError(`The deploy lock wait must be 0 or more, got ${options.waitSeconds} s.`);
    const pollMs = (options.pollSeconds ?? DEFAULT_POLL_SECONDS) * 1000;
    const settleMs = (options.settleSeconds ?? 1) * 1000;
    const token = (0,external_node_crypto_.randomUUID)();
    const startedAt = new Date();
    const deadline = startedAt.getTime() + options.waitSeconds * 1000;
    const where = `s3://${bucket}/${LOCK_KEY}`;
    const makeBody = () => {
        const now = new Date();
        return {
            version: 1,
            token,
            runId: owner.runId,
            ...(owner.sha ? { sha: owner.sha } : {}),
            ...(owner.actor ? { actor: owner.actor } : {}),
            ...(owner.url ? { url: owner.url } : {}),
            startedAt: startedAt.toISOString(),
            renewedAt: now.toISOString(),
            expiresAt: new Date(now.getTime() + options.ttlSeconds * 1000).toISOString(),
            ttlSeconds: options.ttlSeconds,
        };
    };
    const put = async (body, condition) => {
        const answer = await s3.send(new client_s3_dist_cjs/* PutObjectCommand */.wKZ({ Bucket: bucket, Key: LOCK_KEY, Body: JSON.stringify(body, null, 2), ContentType: 'application/json', ...condition }));
        return answer.ETag ?? '';
    };
    /** After a write that looked successful: is the lock ours? (See the module comment.) */
    const confirm = async () => {
        if (settleMs > 0)
            await sleep(settleMs);
        const current = await readLock(s3, bucket);
        return current?.body?.token === token ? current : undefined;
    };
    let lastHolder;
    for (;;) {
        let current;
        try {
            await put(makeBody(), { IfNoneMatch: '*' });
            const confirmed = await confirm();
            if (confirmed)
                return startHeartbeat(s3, options, logger, confirmed, token);
            current = await readLock(s3, bucket);
        }
        catch (error) {
            if (!lostRace(error))
                wrapAwsError(error, 'create', bucket);
            try {
                current = await readLock(s3, bucket);
            }
            catch (readError) {
                wrapAwsError(readError, 'read', bucket);
            }
        }
        if (!current) {
            // Released between our write and our read: try again soon.
            await sleep(Math.min(pollMs, 100));
            continue;
        }
        if (current.body?.token === token) {
            // Our create took effect but its answer was lost (the SDK's retry then met our own lock).
            return startHeartbeat(s3, options, logger, current, token);
        }
        const holder = describeHolder(current.body);
        if (isExpired(current, options.ttlSeconds)) {
            try {
                await put(makeBody(), { IfMatch: current.etag });
                const confirmed = await confirm();
                if (confirmed) {
                    logger.warning(`Took over the deploy lock ${where} from ${holder}: it had expired (no heartbeat for ${current.body?.ttlSeconds ?? options.ttlSeconds} s; that run probably crashed or was cancelled).`);
                    return startHeartbeat(s3, options, logger, confirmed, token);
                }
            }
            catch (error) {
                if (!lostRace(error) && !isMissing(error))
                    wrapAwsError(error, 'take over', bucket);
            }
            continue; // someone else replaced or removed it first: look again
        }
        const now = Date.now();
        const expiresOnS3 = new Date(current.lastModified.getTime() + (current.body?.ttlSeconds ?? options.ttlSeconds) * 1000);
        if (now >= deadline) {
            const waited = options.waitSeconds > 0 ? ` after waiting ${formatDuration(options.waitSeconds)}` : '';
            throw new DeployError(`Another deploy of this model holds the lock ${where}${waited}: ${holder}, expires ${expiresOnS3.toISOString()} unless renewed.`, options.waitSeconds > 0
                ? 'Re-run this job once that deploy has finished, or raise lock-timeout-minutes; serialise deploys with a GitHub concurrency group (README: "Two deploys at once").'
                : 'lock-timeout-minutes is 0: re-run once that deploy has finished, or give lock-timeout-minutes a value to wait for it.');
        }
        if (holder !== lastHolder) {
            logger.info(`Waiting for the deploy lock ${where}, held by ${holder} (waiting up to ${formatDuration(Math.max(0, (deadline - now) / 1000))}).`);
            lastHolder = holder;
        }
        else {
            logger.debug(`Deploy lock still held by ${holder}.`);
        }
        await sleep(Math.max(10, Math.min(pollMs, deadline - now)));
    }
}
function formatDuration(seconds) {
    if (seconds < 90)
        return `${Math.round(seconds)} s`;
    return `${Math.round(seconds / 60)} min`;
}
/** Wraps a lock we hold: renews it every heartbeat, releases it on demand. */
function startHeartbeat(s3, options, logger, taken, token) {
    const { bucket } = options;
    const where = `s3://${bucket}/${LOCK_KEY}`;
    let etag = taken.etag;
    const body = taken.body;
    let state = 'held';
    let lostTo = '';
    let inflight = Promise.resolve();
    const markLost = (current) => {
        state = 'lost';
        lostTo = current ? describeHolder(current.body) : 'nobody (the lock object was deleted)';
        clearInterval(timer);
        logger.warning(`The deploy lock ${where} is no longer ours: now held by ${lostTo}. Another deploy of this model may run at the same time.`);
    };
    const renew = async () => {
        if (state !== 'held')
            return;
        const now = new Date();
        const renewed = { ...body, renewedAt: now.toISOString(), expiresAt: new Date(now.getTime() + options.ttlSeconds * 1000).toISOString() };
        try {
            const answer = await s3.send(new client_s3_dist_cjs/* PutObjectCommand */.wKZ({ Bucket: bucket, Key: LOCK_KEY, Body: JSON.stringify(renewed, null, 2), ContentType: 'application/json', IfMatch: etag }));
            etag = answer.ETag ?? etag;
            logger.debug(`Renewed the deploy lock ${where} until ${renewed.expiresAt}.`);
        }
        catch (error) {
            if (!lostRace(error) && !isMissing(error)) {
                logger.warning(`Could not renew the deploy lock ${where} (${deploy_lock_errorName(error)}: ${error.message}); will retry.`);
                return;
            }
            const current = await readLock(s3, bucket).catch(() => null);
            if (current === null)
                return; // unreadable now: retry at the next beat
            if (current?.body?.token === token) {
                etag = current.etag; // our renewal happened, its answer was lost
                return;
            }
            markLost(current);
        }
    };
    const heartbeatMs = (options.heartbeatSeconds ?? options.ttlSeconds / 3) * 1000;
    const timer = setInterval(() => {
        inflight = inflight.then(renew, renew);
    }, Math.max(100, heartbeatMs));
    timer.unref(); // a forgotten release must not keep the process alive; the lock then expires
    logger.info(`Took the deploy lock ${where} (expires ${options.ttlSeconds} s after the last heartbeat).`);
    return {
        bucket,
        key: LOCK_KEY,
        body,
        isHeld: () => state === 'held',
        assertHeld: () => {
            if (state === 'lost') {
                throw new DeployError(`The deploy lock ${where} was taken by ${lostTo} while this run held it; stopped to avoid two deploys at once.`, 'Raise lock-ttl-minutes if this run was paused longer than the TTL, then re-run.');
            }
            if (state === 'released')
                throw new DeployError(`The deploy lock ${where} was already released by this run.`);
        },
        release: async () => {
            if (state === 'released')
                return;
            clearInterval(timer);
            await inflight.catch(() => { });
            if (state === 'lost') {
                state = 'released';
                logger.warning(`Left the deploy lock ${where} in place: it belongs to ${lostTo}.`);
                return;
            }
            state = 'released';
            for (let attempt = 0; attempt < 2; attempt += 1) {
                try {
                    await s3.send(new client_s3_dist_cjs/* DeleteObjectCommand */.k4j({ Bucket: bucket, Key: LOCK_KEY, IfMatch: etag }));
                    logger.info(`Released the deploy lock ${where}.`);
                    return;
                }
                catch (error) {
                    if (isMissing(error))
                        return; // already gone (e.g. our delete happened but its answer was lost)
                    if (!lostRace(error))
                        wrapAwsError(error, 'release', bucket);
                    const current = await readLock(s3, bucket);
                    if (!current)
                        return;
                    if (current.body?.token !== token) {
                        logger.warning(`Left the deploy lock ${where} in place: it now belongs to ${describeHolder(current.body)}.`);
                        return;
                    }
                    etag = current.etag; // ours with another ETag (a renewal whose answer was lost): delete that
                }
            }
            logger.warning(`Could not release the deploy lock ${where}; it expires by itself ${options.ttlSeconds} s after its last renewal.`);
        },
    };
}

;// CONCATENATED MODULE: ./src/core/deploy-run.ts
/**
 * plan and deploy modes: parse the deploy inputs, make the AWS clients, and run the steps (preflight → plans →
 * applies). Loaded lazily by run.ts, so validate mode never loads the AWS SDK or the Docker code.
 */





async function runDeploy(config, validation, { logger, get, git }) {
    const options = parseDeployOptions(get);
    const lockOptions = parseLockOptions(get);
    const { names } = validation;
    if (config.region === undefined) {
        return fail('No AWS region.', 'Set input `aws-region`, or AWS_REGION (aws-actions/configure-aws-credentials sets it).');
    }
    if (!names.ecrRepository || !names.lambdaFunction || !names.bucket || !names.stateMachine) {
        return fail('The resource names could not be resolved.', 'See the validation findings.');
    }
    if (!git.sha && options.imageTag === undefined) {
        return fail('No commit to tag the image with.', 'Run from a git checkout, or set input `image-tag`.');
    }
    const bucket = names.bucket.value;
    const clients = createAwsClients({ region: config.region, maxAttempts: options.maxAttempts });
    try {
        const result = await runDeploySteps({
            mode: config.mode === 'plan' ? 'plan' : 'deploy',
            clients,
            logger,
            options,
            git: { sha: git.sha ?? '', ref: git.ref ?? '', repositoryUrl: git.repositoryUrl ?? '' },
            target: {
                modelName: config.modelName,
                modelDir: config.modelFolder,
                repositoryName: names.ecrRepository.value,
                functionName: names.lambdaFunction.value,
                stateMachine: names.stateMachine.value,
                bucketName: names.bucket.value,
            },
            definition: { text: validation.definitionText ?? '', path: config.definitionFile },
            lock: () => acquireDeployLock(clients.s3, {
                bucket,
                owner: { runId: git.runId ?? `run-${process.pid}`, sha: git.sha, actor: git.actor, url: git.runUrl },
                ttlSeconds: lockOptions.ttlMinutes * 60,
                waitSeconds: lockOptions.timeoutMinutes * 60,
            }, logger),
        });
        return { steps: result.reports, outputs: result.outputs };
    }
    catch (error) {
        if (error instanceof DeployError) {
            return {
                steps: error instanceof DeployRunError ? error.reports : [],
                outputs: {},
                failure: { message: error.message, hint: error.hint },
            };
        }
        throw error;
    }
    finally {
        destroyAwsClients(clients);
    }
}
function fail(message, hint) {
    return { steps: [], outputs: {}, failure: { message, hint } };
}


/***/ })

};
