export const id = 370;
export const ids = [370];
export const modules = {

/***/ 5370:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  runDeploy: () => (/* binding */ runDeploy)
});

// UNUSED EXPORTS: consoleLinks

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
// EXTERNAL MODULE: ./src/core/inputs.ts
var inputs = __webpack_require__(9114);
;// CONCATENATED MODULE: ./src/core/git.ts
/** `refs/tags/v1.2.0` → `v1.2.0`; undefined for any other ref. */
function tagOfRef(ref) {
    return ref?.startsWith('refs/tags/') ? ref.slice('refs/tags/'.length) : undefined;
}

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



/** Default of input `max-attempts` (see DeployOptions.maxAttempts for the measurements behind it). */
const DEFAULT_MAX_ATTEMPTS = 8;
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
    const maxAttempts = (0,inputs/* getPositiveNumber */.NM)(get, 'max-attempts', DEFAULT_MAX_ATTEMPTS);
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
    return tagOfRef(git.ref);
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

;// CONCATENATED MODULE: ./src/deploy/aws.ts
/**
 * Every AWS client the deploy uses, made in one place with the same retry strategy and timeouts.
 * Endpoints come from the SDK's own configuration (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>, profiles).
 */






function createAwsClients(options = {}) {
    const config = {
        ...(options.region ? { region: options.region } : {}),
        maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
        retryMode: options.retryMode ?? 'standard',
        // The handler's `requestTimeout` only logs a warning unless `throwOnRequestTimeout` is set (node-http-handler 4):
        // the socket timeout is what ends an attempt whose answer never comes.
        requestHandler: {
            connectionTimeout: options.connectionTimeoutMs ?? 10_000,
            socketTimeout: options.socketTimeoutMs ?? 60_000,
        },
    };
    return {
        sts: new client_sts_dist_cjs/* STSClient */.iM(config),
        ecr: new dist_cjs/* ECRClient */.S70(config),
        lambda: new client_lambda_dist_cjs/* LambdaClient */.Nox(config),
        sfn: new client_sfn_dist_cjs/* SFNClient */.ZIB(config),
        s3: new client_s3_dist_cjs.S3Client(config),
    };
}
function destroyAwsClients(clients) {
    for (const client of Object.values(clients))
        client.destroy();
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
/** Bytes the image takes in the registry (compressed layers and config), from its manifest; undefined for an index. */
function compressedSize(manifest) {
    try {
        const parsed = JSON.parse(manifest.toString('utf8'));
        if (!Array.isArray(parsed.layers))
            return undefined;
        return parsed.layers.reduce((sum, layer) => sum + (layer.size ?? 0), parsed.config?.size ?? 0);
    }
    catch {
        return undefined;
    }
}
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

;// CONCATENATED MODULE: ./src/core/format.ts
/** `1536` → `1.5 KiB`: sizes as the job summary shows them. */
function formatBytes(bytes) {
    if (bytes < 1024)
        return `${bytes} B`;
    const units = ['KiB', 'MiB', 'GiB', 'TiB'];
    let value = bytes / 1024;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
        value /= 1024;
        unit += 1;
    }
    return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
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
    const check = async (resource, name, task) => {
        try {
            await task();
        }
        catch (error) {
            problems.push(toProblem(resource, name, region, error));
        }
    };
    await Promise.all([
        needs.has('repository') &&
            check('repository', target.repositoryName, async () => {
                preflight.repository = await describeRepository(clients, target.repositoryName, region);
            }),
        needs.has('function') &&
            check('function', target.functionName, async () => {
                preflight.function = await describeFunction(clients, target.functionName, region);
            }),
        needs.has('stateMachine') &&
            check('stateMachine', target.stateMachine, async () => {
                preflight.stateMachine = await describeStateMachine(clients, target.stateMachine, region);
            }),
        needs.has('bucket') &&
            check('bucket', target.bucketName, async () => {
                await headBucket(clients, target.bucketName, region);
                preflight.bucket = { name: target.bucketName };
            }),
    ]);
    if (problems.length > 0) {
        const { message, hint } = describeProblems(problems, region, needs.size);
        throw new DeployError(message, hint);
    }
    return preflight;
}
/** Where each resource's name comes from, for the hints. */
const NAME_SOURCES = {
    repository: 'AWS_ECR_REPO_NAME in the model’s .env or input `ecr-repository`',
    function: 'AWS_LAMBDA_FUNCTION_NAME in the model’s .env or input `lambda-function`',
    stateMachine: 'input `state-machine` (default: the Lambda function’s name)',
    bucket: 'AWS_BUCKET_NAME in the model’s .env or input `bucket`',
};
/** The IAM action each check needs. */
const READ_ACTIONS = {
    repository: 'ecr:DescribeRepositories',
    function: 'lambda:GetFunction',
    stateMachine: 'states:ListStateMachines and states:DescribeStateMachine',
    bucket: 's3:ListBucket',
};
function toProblem(resource, name, region, error) {
    if (error instanceof PreflightCheckError)
        return error.problem;
    const what = `${RESOURCE_LABELS[resource]} ${name}`;
    if (isAccessDenied(error)) {
        return {
            resource,
            kind: 'denied',
            message: `${what}: access denied (${describeError(error)}).`,
            hint: `Allow ${READ_ACTIONS[resource]} on it to the deploy role.`,
        };
    }
    return {
        resource,
        kind: 'error',
        message: `${what}: ${describeError(error)} (in ${region}).`,
        hint: 'AWS did not answer the check after every retry: re-run the job (raise input `max-attempts` if AWS throttles).',
    };
}
const RESOURCE_LABELS = {
    repository: 'ECR repository',
    function: 'Lambda function',
    stateMachine: 'State machine',
    bucket: 'S3 bucket',
};
/** A check that found its resource wrong in a known way. */
class PreflightCheckError extends DeployError {
    problem;
    constructor(problem) {
        super(problem.message, problem.hint);
        this.name = 'PreflightCheckError';
        this.problem = problem;
    }
}
function missing(resource, name, region) {
    return new PreflightCheckError({
        resource,
        kind: 'missing',
        message: `${RESOURCE_LABELS[resource]} ${name} does not exist in ${region}.`,
        hint: `Create it (e.g. with terraform) or fix the name: ${NAME_SOURCES[resource]}.`,
    });
}
/**
 * One line: "Preflight failed, nothing was changed: <problem>; <problem>." and the hints, deduplicated. When every
 * resource checked is missing, the region is the likely culprit and the hint says so first.
 */
function describeProblems(problems, region, checked) {
    const message = `Preflight failed, nothing was changed: ${problems.map((problem) => problem.message.replace(/\.$/, '')).join('; ')}.`;
    const hints = [];
    const allMissing = problems.length === checked && checked > 1 && problems.every((problem) => problem.kind === 'missing');
    if (allMissing) {
        hints.push(`None of the model’s resources exists in ${region}: is that the right region? Set input \`aws-region\` (or AWS_REGION).`);
    }
    for (const problem of problems)
        if (problem.hint && !hints.includes(problem.hint))
            hints.push(problem.hint);
    if (!allMissing && problems.some((problem) => problem.kind === 'missing')) {
        hints.push(`(Region: ${region}; input \`aws-region\` or AWS_REGION.)`);
    }
    return { message, hint: hints.join(' ') };
}
async function headBucket(clients, bucket, region) {
    try {
        await clients.s3.send(new client_s3_dist_cjs.HeadBucketCommand({ Bucket: bucket }));
    }
    catch (error) {
        const status = httpStatus(error);
        if (status === 404 || errorName(error) === 'NotFound' || errorName(error) === 'NoSuchBucket') {
            throw new PreflightCheckError({
                resource: 'bucket',
                kind: 'missing',
                message: `S3 bucket ${bucket} does not exist.`,
                hint: `Create it (e.g. with terraform) or fix the name: ${NAME_SOURCES.bucket}.`,
            });
        }
        if (status === 301 || status === 400) {
            // S3 answers a HeadBucket sent to the wrong region with a redirect (or 400) naming the bucket's region.
            const actual = headerOf(error, 'x-amz-bucket-region');
            if (actual !== undefined && actual !== region) {
                throw new PreflightCheckError({
                    resource: 'bucket',
                    kind: 'unusable',
                    message: `S3 bucket ${bucket} is in ${actual}, not in ${region}.`,
                    hint: `Deploy to the model’s region: set input \`aws-region\` (or AWS_REGION) to ${actual}.`,
                });
            }
        }
        if (status === 403) {
            throw new PreflightCheckError({
                resource: 'bucket',
                kind: 'denied',
                message: `S3 bucket ${bucket}: access denied (HeadBucket returned 403).`,
                hint: `Allow ${READ_ACTIONS.bucket} on it to the deploy role.`,
            });
        }
        throw error;
    }
}
function isAccessDenied(error) {
    const name = errorName(error);
    return httpStatus(error) === 403 || name === 'AccessDeniedException' || name === 'AccessDenied' || name === 'UnauthorizedOperation';
}
/** A response header of an AWS error, when the SDK kept the raw response. */
function headerOf(error, header) {
    const headers = error?.$response?.headers ?? {};
    const found = Object.entries(headers).find(([name]) => name.toLowerCase() === header);
    return found?.[1];
}
async function describeRepository(clients, name, region) {
    try {
        const output = await clients.ecr.send(new dist_cjs/* DescribeRepositoriesCommand */.pE_({ repositoryNames: [name] }));
        const repository = output.repositories?.[0];
        if (!repository?.repositoryUri)
            throw missing('repository', name, region);
        return { name, uri: repository.repositoryUri, registryId: repository.registryId ?? '' };
    }
    catch (error) {
        if (errorName(error) === 'RepositoryNotFoundException') {
            throw missing('repository', name, region);
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
            throw missing('function', name, region);
        }
        throw error;
    }
    const configuration = output.Configuration ?? {};
    if (configuration.PackageType !== 'Image') {
        throw new PreflightCheckError({
            resource: 'function',
            kind: 'unusable',
            message: `Lambda function ${name} is a ${configuration.PackageType ?? 'Zip'} package; the action deploys container images only.`,
            hint: 'Recreate the function with PackageType Image (the Quetzal template’s terraform does), or name another one.',
        });
    }
    const architecture = configuration.Architectures?.[0] ?? 'x86_64';
    const platform = PLATFORMS[architecture];
    if (!platform) {
        throw new PreflightCheckError({
            resource: 'function',
            kind: 'unusable',
            message: `Lambda function ${name} has an unknown architecture ${architecture}.`,
            hint: 'Use x86_64 or arm64.',
        });
    }
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
            throw missing('stateMachine', nameOrArn, region);
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
            throw missing('stateMachine', nameOrArn, region);
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
            const manifest = await client.getManifest(repositoryPath, plan.existingDigest);
            return {
                sizeBytes: manifest && compressedSize(manifest.body),
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
            const stored = await client.getManifest(repositoryPath, plan.tags[0]);
            if (!stored || stored.digest !== digest) {
                throw new DeployError(`The registry does not show ${references[0]} at ${digest} after the push.`);
            }
            if (INDEX_MANIFEST_TYPES.includes(stored.mediaType)) {
                throw new DeployError(`${references[0]} was pushed as an image index (${stored.mediaType}); Lambda needs a single image manifest.`, 'Build one platform without attestations (--provenance=false --sbom=false).');
            }
            return {
                sizeBytes: compressedSize(stored.body),
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
                ...(outcome.sizeBytes === undefined ? [] : [['Size (compressed)', formatBytes(outcome.sizeBytes)]]),
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



/** What to do when AWS kept failing a call after every retry. */
const RERUN_HINT = 'AWS kept failing after every retry: re-run the job (it resumes where this run stopped; raise input `max-attempts` if AWS throttles).';
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
        try {
            return await this.#o.clients.lambda.send(new client_lambda_dist_cjs/* GetFunctionConfigurationCommand */.qA6({ FunctionName: name }));
        }
        catch (error) {
            throw new DeployError(`Lambda GetFunctionConfiguration on ${name} failed: ${describeError(error)}`, RERUN_HINT, { cause: error });
        }
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
            if (errorName(error) !== 'ResourceNotFoundException') {
                throw new DeployError(`Lambda GetAlias ${alias} on ${name} failed: ${describeError(error)}`, RERUN_HINT, { cause: error });
            }
        }
        if (previousVersion === undefined) {
            try {
                const created = await lambda.send(new client_lambda_dist_cjs/* CreateAliasCommand */.W_e({ FunctionName: name, Name: alias, FunctionVersion: version }));
                this.#o.logger.info(`Created alias ${alias} → version ${version}.`);
                return { aliasArn: created.AliasArn };
            }
            catch (error) {
                // "Alias already exists": our create took effect but its answer was lost (the SDK's retry met it), or
                // another run created it meanwhile. Either way it exists now: move it below.
                if (errorName(error) !== 'ResourceConflictException') {
                    throw new DeployError(`Lambda CreateAlias ${alias} on ${name} failed: ${describeError(error)}`, RERUN_HINT, { cause: error });
                }
                this.#o.logger.info(`Alias ${alias} of ${name} exists already (${describeError(error)}): moving it.`);
            }
        }
        const updated = await this.#withConflictRetry('UpdateAlias', () => lambda.send(new client_lambda_dist_cjs/* UpdateAliasCommand */.lqC({ FunctionName: name, Name: alias, FunctionVersion: version })));
        this.#o.logger.info(`Moved alias ${alias} from version ${previousVersion ?? "(just created)"} to ${version}.`);
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
    const scenarios = selected.has('scenarios') && input.scenarios ? input.scenarios() : undefined;
    const scenariosPlanning = scenarios?.plan();
    scenariosPlanning?.catch(() => { }); // awaited below, after the preflight, whose failure is reported first
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
    const { imagePlan, lambdaPlan, machinePlan, scenariosPlan } = await logger.group('Plan (read-only)', async () => {
        const imagePlan = image ? await image.plan() : undefined;
        if (imagePlan && !selected.has('image') && imagePlan.action === 'build') {
            throw new DeployError(`The Lambda step needs image ${imagePlan.repositoryUri}:${imagePlan.tags[0]}, which is not in the repository.`, 'Add `image` to input `steps`, or set input `image-tag` to a tag that was pushed.');
        }
        const lambdaPlan = lambda ? await lambda.plan(imagePlan?.imageUri) : undefined;
        const machinePlan = stateMachine ? await stateMachine.plan() : undefined;
        const scenariosPlan = scenariosPlanning ? await scenariosPlanning : undefined;
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
    throwIfCancelled(input.signal);
    const lock = input.lock ? await logger.group('Deploy lock', () => input.lock(preflight)) : undefined;
    const timed = async (title, task) => {
        throwIfCancelled(input.signal);
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
        // Never let the release hide the run's own error: a lock that stays in place expires by itself.
        await lock?.release().catch((error) => logger.warning(`Could not release the deploy lock: ${String(error?.message ?? error)}`));
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
function throwIfCancelled(signal) {
    if (signal?.aborted) {
        throw new DeployError(`The run was cancelled (${String(signal.reason?.message ?? signal.reason)}) before this step; the steps above are done.`, 'Run the deploy again: it picks up from what is already in place.');
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
    const command = new client_s3_dist_cjs.GetObjectCommand({ Bucket: bucket, Key: LOCK_KEY });
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
    const settleMs = (options.settleSeconds ?? 0) * 1000;
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
        const answer = await s3.send(new client_s3_dist_cjs.PutObjectCommand({ Bucket: bucket, Key: LOCK_KEY, Body: JSON.stringify(body, null, 2), ContentType: 'application/json', ...condition }));
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
            const answer = await s3.send(new client_s3_dist_cjs.PutObjectCommand({ Bucket: bucket, Key: LOCK_KEY, Body: JSON.stringify(renewed, null, 2), ContentType: 'application/json', IfMatch: etag }));
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
                    await s3.send(new client_s3_dist_cjs.DeleteObjectCommand({ Bucket: bucket, Key: LOCK_KEY, IfMatch: etag }));
                    logger.info(`Released the deploy lock ${where}.`);
                    return;
                }
                catch (error) {
                    if (isMissing(error))
                        return; // already gone (e.g. our delete happened but its answer was lost)
                    // Releasing never fails the run: the lock expires by itself, and the run's own error (if any) matters more.
                    if (!lostRace(error))
                        break;
                    const current = await readLock(s3, bucket).catch(() => 'unreadable');
                    if (current === 'unreadable')
                        break;
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

// EXTERNAL MODULE: ./node_modules/picomatch/index.js
var picomatch = __webpack_require__(4006);
var picomatch_default = /*#__PURE__*/__webpack_require__.n(picomatch);
;// CONCATENATED MODULE: ./src/sync/etag.ts
/**
 * Content comparison through S3 ETags, without downloading anything.
 *
 * A single-part upload's ETag is the MD5 of the content. A multipart upload's ETag is
 * `md5(concat(binary md5 of each part))-N`: it depends on the part size the uploader used.
 * The AWS CLI and boto3 use 8 MiB parts (from 8 MiB files on), @aws-sdk/lib-storage 5 MiB by default,
 * and this action 8 MiB. The part size is inferred from N and the object size.
 */



const MiB = 1024 * 1024;
/** Part size of this action's multipart uploads: the same as the AWS CLI, so both are recognised. */
const ACTION_PART_SIZE = 8 * MiB;
/** Part sizes whose multipart ETags can be recomputed: CLI/boto3 and this action (8 MiB), lib-storage (5 MiB). */
const KNOWN_PART_SIZES = [8 * MiB, 5 * MiB];
/** Reads an ETag as listed by S3 (quoted or not). */
function parseEtag(etag) {
    const value = etag.trim().replace(/^W\//, '').replace(/^"|"$/g, '').toLowerCase();
    if (/^[0-9a-f]{32}$/.test(value))
        return { kind: 'single', md5: value };
    const multipart = /^([0-9a-f]{32})-(\d+)$/.exec(value);
    if (multipart)
        return { kind: 'multipart', digest: multipart[1], parts: Number(multipart[2]) };
    return { kind: 'other' };
}
function normaliseEtag(etag) {
    return etag.trim().replace(/^"|"$/g, '').toLowerCase();
}
function partCount(size, partSize) {
    return Math.max(1, Math.ceil(size / partSize));
}
/** The known part sizes that would split an object of `size` bytes into exactly `parts` parts. */
function candidatePartSizes(size, parts) {
    return KNOWN_PART_SIZES.filter((partSize) => partCount(size, partSize) === parts);
}
/** Accumulates the MD5 of the whole content and the multipart ETags for some part sizes, in one pass. */
class ContentHasher {
    #whole = (0,external_node_crypto_.createHash)('md5');
    #parts;
    constructor(partSizes) {
        this.#parts = [...new Set(partSizes)].map((partSize) => ({ partSize, current: (0,external_node_crypto_.createHash)('md5'), filled: 0, digests: [] }));
    }
    update(chunk) {
        this.#whole.update(chunk);
        for (const part of this.#parts) {
            let offset = 0;
            while (offset < chunk.length) {
                const take = Math.min(part.partSize - part.filled, chunk.length - offset);
                part.current.update(offset === 0 && take === chunk.length ? chunk : chunk.subarray(offset, offset + take));
                part.filled += take;
                offset += take;
                if (part.filled === part.partSize) {
                    part.digests.push(part.current.digest());
                    part.current = (0,external_node_crypto_.createHash)('md5');
                    part.filled = 0;
                }
            }
        }
    }
    digest() {
        const multipart = new Map();
        for (const part of this.#parts) {
            const digests = part.filled > 0 || part.digests.length === 0 ? [...part.digests, part.current.digest()] : part.digests;
            const combined = (0,external_node_crypto_.createHash)('md5');
            for (const digest of digests)
                combined.update(digest);
            multipart.set(part.partSize, `${combined.digest('hex')}-${digests.length}`);
        }
        return { md5: this.#whole.digest('hex'), multipart };
    }
}
/** Hashes a file as a stream (memory stays flat whatever its size). */
async function hashFile(path, partSizes = [], knownSize) {
    if (knownSize !== undefined && knownSize <= MiB)
        return hashBuffer(await (0,promises_.readFile)(path), partSizes); // small: one read
    const hasher = new ContentHasher(partSizes);
    for await (const chunk of (0,external_node_fs_.createReadStream)(path, { highWaterMark: MiB }))
        hasher.update(chunk);
    return hasher.digest();
}
function hashBuffer(content, partSizes = []) {
    const hasher = new ContentHasher(partSizes);
    hasher.update(content);
    return hasher.digest();
}
/** The part sizes to hash a local file with so that a remote ETag can be compared to it. */
function partSizesToCompare(remoteEtag, remoteSize) {
    if (remoteEtag === undefined || remoteSize === undefined)
        return [];
    const parsed = parseEtag(remoteEtag);
    return parsed.kind === 'multipart' ? candidatePartSizes(remoteSize, parsed.parts) : [];
}
/**
 * Whether the ETag shows that the remote content equals the local one: 'same', 'different' (another size or
 * another single-part MD5), or 'unknown' (a multipart ETag that no known part size reproduces, or an ETag that is
 * not an MD5, as with SSE-KMS): then what the action recorded decides.
 */
function compareEtag(remoteEtag, remoteSize, local) {
    if (remoteSize !== local.size)
        return 'different';
    const parsed = parseEtag(remoteEtag);
    if (parsed.kind === 'single')
        return parsed.md5 === local.hashes.md5 ? 'same' : 'different';
    if (parsed.kind === 'multipart') {
        const candidates = candidatePartSizes(remoteSize, parsed.parts);
        if (candidates.length === 0)
            return 'unknown';
        const remote = `${parsed.digest}-${parsed.parts}`;
        for (const partSize of candidates) {
            const computed = local.hashes.multipart.get(partSize);
            if (computed === undefined)
                return 'unknown';
            if (computed === remote)
                return 'same';
        }
        // Another uploader may have used another part size giving the same number of parts.
        return 'unknown';
    }
    return 'unknown';
}

;// CONCATENATED MODULE: ./src/sync/decide.ts

async function decidePrefix(input) {
    const { manifest } = input;
    const decision = {
        uploads: [],
        deletes: [],
        conflicts: [],
        unchanged: [],
        keptArtifacts: [],
        remoteOnly: [],
        carriedEntries: {},
    };
    const metadataCache = new Map();
    const metadata = (rel) => {
        let cached = metadataCache.get(rel);
        if (!cached) {
            cached = input.readMetadata(rel);
            metadataCache.set(rel, cached);
        }
        return cached;
    };
    /** Written (or verified) by the action, and not changed since. */
    const ownedByAction = async (remote) => {
        const entry = manifest?.files[remote.rel];
        if (entry && entry.etag === remote.etag)
            return true;
        const meta = await metadata(remote.rel);
        if (!meta?.md5 || meta.etag !== remote.etag)
            return false;
        const parsed = parseEtag(remote.etag);
        return parsed.kind === 'single' ? parsed.md5 === meta.md5 : true;
    };
    const sameContent = async (local, remote) => {
        if (local.size !== remote.size || local.hashes === null)
            return false;
        const hashes = local.hashes;
        const entry = manifest?.files[remote.rel];
        if (entry && entry.etag === remote.etag)
            return entry.md5 === hashes.md5 && entry.size === local.size;
        const byEtag = compareEtag(remote.etag, remote.size, { size: local.size, hashes });
        if (byEtag !== 'unknown')
            return byEtag === 'same';
        const meta = await metadata(remote.rel);
        return meta?.md5 !== undefined && meta.etag === remote.etag && meta.md5 === hashes.md5;
    };
    const conflictReason = (rel) => manifest?.files[rel]
        ? 'changed outside the action since the action last wrote it'
        : 'written outside the action (not recorded by an earlier deploy)';
    const localRels = new Set();
    await Promise.all(input.local.map(async (local) => {
        localRels.add(local.rel);
        const artifact = input.isArtifact(local.rel);
        const remote = input.remote.get(local.rel);
        const upload = (reason) => decision.uploads.push({ rel: local.rel, path: local.path, size: local.size, md5: local.hashes?.md5, blob: local.blob, reason, artifact });
        if (!remote)
            return upload('new');
        if (await sameContent(local, remote)) {
            const entry = { etag: remote.etag, md5: local.hashes.md5, size: local.size };
            if (local.blob)
                entry.blob = local.blob;
            decision.unchanged.push({ rel: local.rel, entry, artifact });
            return;
        }
        if (artifact)
            return decision.keptArtifacts.push(local.rel);
        if (!manifest)
            return upload('replaces-unrecorded');
        if (await ownedByAction(remote))
            return upload('changed');
        decision.conflicts.push({ rel: local.rel, wanted: 'upload', reason: conflictReason(local.rel) });
    }));
    const remoteOnly = [...input.remote.values()].filter((remote) => !localRels.has(remote.rel));
    await Promise.all(remoteOnly.map(async (remote) => {
        const entry = manifest?.files[remote.rel];
        const keepEntry = () => {
            if (entry && entry.etag === remote.etag)
                decision.carriedEntries[remote.rel] = entry;
        };
        if (!input.isManaged(remote.rel))
            return keepEntry();
        if (input.isArtifact(remote.rel) || !input.deleteRemoved) {
            decision.remoteOnly.push(remote.rel);
            return keepEntry();
        }
        if (!manifest)
            return decision.deletes.push({ rel: remote.rel, size: remote.size, reason: 'removed-locally-unrecorded' });
        if (await ownedByAction(remote))
            return decision.deletes.push({ rel: remote.rel, size: remote.size, reason: 'removed-locally' });
        decision.conflicts.push({ rel: remote.rel, wanted: 'delete', reason: conflictReason(remote.rel) });
    }));
    const byRel = (a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0);
    decision.uploads.sort(byRel);
    decision.deletes.sort(byRel);
    decision.conflicts.sort(byRel);
    decision.unchanged.sort(byRel);
    decision.keptArtifacts.sort();
    decision.remoteOnly.sort();
    return decision;
}
/** With on-conflict: overwrite, the conflicting files are uploaded or deleted like the others. */
function overwriteConflicts(decision, local, remote) {
    const localByRel = new Map(local.map((file) => [file.rel, file]));
    for (const conflict of decision.conflicts) {
        const file = localByRel.get(conflict.rel);
        if (conflict.wanted === 'upload' && file) {
            decision.uploads.push({ rel: file.rel, path: file.path, size: file.size, md5: file.hashes?.md5, blob: file.blob, reason: 'overwrites-outside-change', artifact: false });
        }
        else if (conflict.wanted === 'delete') {
            decision.deletes.push({ rel: conflict.rel, size: remote.get(conflict.rel)?.size ?? 0, reason: 'overwrites-outside-change' });
        }
    }
    decision.conflicts = [];
}

;// CONCATENATED MODULE: ./src/sync/options.ts
/**
 * The inputs of the scenario sync, parsed and checked before anything is read or written.
 * Both the Action and the CLI call `parseSyncOptions` with their own way of reading an input.
 */

/** Run artifacts: written by runs of the model, never deleted nor overwritten by a deploy. */
const RUN_ARTIFACT_GLOBS = ['outputs/**', 'logs/**', 'info.json', '.lock'];
const DEFAULT_UPLOAD_CONCURRENCY = 16;
const MAX_UPLOAD_CONCURRENCY = 64;
/** Input names, as the Action and the CLI spell them. */
const SYNC_INPUTS = {
    scenarios: 'scenarios',
    deleteRemoved: 'delete-removed',
    keep: 'keep',
    locked: 'locked',
    onConflict: 'on-conflict',
    uploadConcurrency: 'upload-concurrency',
    docsFolder: 'docs-folder',
};
/** Why a scenario name is refused, or undefined when it is a safe S3 prefix. */
function scenarioNameProblem(name) {
    if (name.length === 0)
        return 'the name is empty';
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(name))
        return 'it contains a control character';
    if (name.includes('/'))
        return 'it contains "/" (a scenario is one folder under scenarios/)';
    if (name.includes('\\'))
        return 'it contains "\\"';
    if (name.includes('..'))
        return 'it contains ".."';
    if (name.startsWith('.'))
        return 'it starts with "."';
    if (name.trim() !== name)
        return 'it starts or ends with a space';
    if (name === '_common')
        return '"_common" holds the model-wide files, not a scenario';
    if (Buffer.byteLength(name) > 512)
        return 'it is longer than 512 bytes';
    return undefined;
}
/** Splits an input on commas and newlines, trimming and dropping empty entries. */
function splitList(value) {
    return value
        .split(/[,\n\r]/)
        .map((part) => part.trim())
        .filter((part) => part.length > 0);
}
function parseSelection(raw) {
    const value = raw.trim();
    const lowered = value.toLowerCase();
    if (value === '' || lowered === 'changed')
        return { kind: 'changed' };
    if (lowered === 'all')
        return { kind: 'all' };
    if (lowered === 'none')
        return { kind: 'none' };
    const names = [...new Set(splitList(value))];
    for (const name of names) {
        const problem = scenarioNameProblem(name);
        if (problem) {
            throw new Error(`Input "${SYNC_INPUTS.scenarios}": scenario name ${JSON.stringify(name)} is refused because ${problem}. ` +
                'Use "changed", "all", "none", or names of folders under <model-folder>/scenarios/, separated by commas or newlines.');
        }
    }
    return { kind: 'names', names };
}
function parseChoice(input, raw, choices, fallback) {
    const value = raw.trim().toLowerCase();
    if (value === '')
        return fallback;
    if (choices.includes(value))
        return value;
    throw new Error(`Input "${input}": ${JSON.stringify(raw)} is not one of ${choices.join(', ')}.`);
}
function parseBoolean(input, raw, fallback) {
    const value = raw.trim().toLowerCase();
    if (value === '')
        return fallback;
    if (value === 'true')
        return true;
    if (value === 'false')
        return false;
    throw new Error(`Input "${input}": ${JSON.stringify(raw)} is not a boolean; use true or false.`);
}
function parseConcurrency(raw) {
    const value = raw.trim();
    if (value === '')
        return DEFAULT_UPLOAD_CONCURRENCY;
    const number = Number(value);
    if (!/^\d+$/.test(value) || number < 1 || number > MAX_UPLOAD_CONCURRENCY) {
        throw new Error(`Input "${SYNC_INPUTS.uploadConcurrency}": ${JSON.stringify(raw)} is not a whole number from 1 to ${MAX_UPLOAD_CONCURRENCY}.`);
    }
    return number;
}
function parseKeep(raw) {
    const globs = splitList(raw);
    for (const glob of globs) {
        if (glob.startsWith('/') || glob.split('/').includes('..')) {
            throw new Error(`Input "${SYNC_INPUTS.keep}": glob ${JSON.stringify(glob)} must be relative to a scenario folder (e.g. "results/**"), without "/" at the start or "..".`);
        }
        try {
            picomatch_default().makeRe(glob, { dot: true });
        }
        catch (error) {
            throw new Error(`Input "${SYNC_INPUTS.keep}": glob ${JSON.stringify(glob)} is not valid: ${error.message}`, { cause: error });
        }
    }
    return [...RUN_ARTIFACT_GLOBS, ...globs];
}
function parseDocsFolder(raw) {
    const value = raw.trim().replace(/\/+$/, '');
    if (value === '')
        return 'docs';
    const parts = value.split('/');
    // eslint-disable-next-line no-control-regex
    if (value.startsWith('/') || parts.includes('..') || /[\u0000-\u001f\u007f\\]/.test(value)) {
        throw new Error(`Input "${SYNC_INPUTS.docsFolder}": ${JSON.stringify(raw)} must be a folder inside the model folder (e.g. "docs"), without "/" at the start or "..".`);
    }
    return parts.filter((part) => part !== '.' && part !== '').join('/') || 'docs';
}
/**
 * Reads the sync inputs through `get` (which returns '' for an unset input) and checks them.
 * Throws an Error naming the input and what to write instead.
 */
function parseSyncOptions(get) {
    return {
        scenarios: parseSelection(get(SYNC_INPUTS.scenarios)),
        deleteRemoved: parseBoolean(SYNC_INPUTS.deleteRemoved, get(SYNC_INPUTS.deleteRemoved), false),
        keep: parseKeep(get(SYNC_INPUTS.keep)),
        locked: parseChoice(SYNC_INPUTS.locked, get(SYNC_INPUTS.locked), ['skip', 'fail', 'overwrite'], 'skip'),
        onConflict: parseChoice(SYNC_INPUTS.onConflict, get(SYNC_INPUTS.onConflict), ['fail', 'skip', 'overwrite'], 'fail'),
        uploadConcurrency: parseConcurrency(get(SYNC_INPUTS.uploadConcurrency)),
        docsFolder: parseDocsFolder(get(SYNC_INPUTS.docsFolder)),
    };
}

;// CONCATENATED MODULE: ./src/sync/local.ts
/** What the model folder holds: its scenarios and model-wide files, as S3-relative paths. */





async function isDirectory(path) {
    try {
        return (await (0,promises_.stat)(path)).isDirectory();
    }
    catch {
        return false;
    }
}
/** Size of a regular file (following links), or undefined. Synchronous: microseconds, no thread-pool round trip. */
function fileSize(path) {
    try {
        const info = (0,external_node_fs_.statSync)(path, { throwIfNoEntry: false });
        return info?.isFile() ? info.size : undefined;
    }
    catch {
        return undefined;
    }
}
function scenariosFolder(modelFolder) {
    return (0,external_node_path_.join)(modelFolder, 'scenarios');
}
/**
 * Names of the local scenarios (folders under `<model>/scenarios/`), sorted.
 * Hidden folders (`.ipynb_checkpoints`) are not scenarios; a folder whose name is unsafe as a prefix is an error.
 */
async function listLocalScenarios(modelFolder) {
    const folder = scenariosFolder(modelFolder);
    if (!(await isDirectory(folder)))
        return [];
    const names = [];
    for (const entry of await (0,promises_.readdir)(folder, { withFileTypes: true })) {
        if (entry.name.startsWith('.'))
            continue;
        const isDir = entry.isDirectory() || (entry.isSymbolicLink() && (await isDirectory((0,external_node_path_.join)(folder, entry.name))));
        if (!isDir)
            continue;
        const problem = scenarioNameProblem(entry.name);
        if (problem) {
            throw new DeployError(`Scenario folder ${JSON.stringify((0,external_node_path_.join)(folder, entry.name))} cannot be synced because ${problem}.`, 'Rename the folder: a scenario name becomes the S3 prefix "<name>/".');
        }
        names.push(entry.name);
    }
    return names.sort();
}
async function localScenarioExists(modelFolder, name) {
    return isDirectory((0,external_node_path_.join)(scenariosFolder(modelFolder), name));
}
/** Every regular file under `folder` (following symbolic links to files), sorted by relative path. */
async function listFilesUnder(folder) {
    if (!(await isDirectory(folder)))
        return [];
    const entries = await (0,promises_.readdir)(folder, { withFileTypes: true, recursive: true });
    const files = [];
    for (const entry of entries) {
        if (!entry.isFile() && !entry.isSymbolicLink())
            continue;
        const path = (0,external_node_path_.join)(entry.parentPath, entry.name);
        const size = fileSize(path);
        if (size !== undefined)
            files.push({ rel: (0,external_node_path_.relative)(folder, path).split(external_node_path_.sep).join('/'), path, size });
    }
    return files.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}
/** Model-wide files, keyed under `_common/`: modelConfig.json, steps.json, and the docs folder. */
async function listCommonFiles(modelFolder, docsFolder) {
    const files = [];
    for (const name of ['modelConfig.json', 'steps.json']) {
        const path = (0,external_node_path_.join)(modelFolder, name);
        const size = fileSize(path);
        if (size !== undefined)
            files.push({ rel: name, path, size });
    }
    const docsPath = (0,external_node_path_.join)(modelFolder, ...docsFolder.split('/'));
    const hasDocs = await isDirectory(docsPath);
    if (hasDocs) {
        for (const file of await listFilesUnder(docsPath))
            files.push({ ...file, rel: `docs/${file.rel}` });
    }
    return { files, hasDocs };
}

;// CONCATENATED MODULE: ./src/sync/remote.ts
/**
 * What the bucket holds under a prefix, and the record of what the action wrote there.
 *
 * The record ("manifest", one JSON object per scenario under `_common/.quetzal-deploy/`) maps each file the
 * action uploaded or found identical to the local file to the ETag it had then. An object whose ETag no longer
 * matches its record was changed outside the action (a web-app edit). Object metadata alone cannot tell that:
 * an edit through PutObject drops the metadata, which makes it look like an object from the old scripts.
 */


/** Metadata names (S3 adds `x-amz-meta-`) the action writes on each object it uploads. */
const METADATA_MD5 = 'quetzal-md5';
const METADATA_COMMIT = 'quetzal-commit';
const MANIFEST_PREFIX = '_common/.quetzal-deploy/';
function manifestKey(target) {
    return target.kind === 'common' ? `${MANIFEST_PREFIX}common.json` : `${MANIFEST_PREFIX}scenarios/${target.name}.json`;
}
/** Every object under `prefix` (all pages). */
async function listPrefix(s3, bucket, prefix) {
    const objects = new Map();
    let token;
    do {
        const page = await s3.send(new client_s3_dist_cjs.ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
        for (const item of page.Contents ?? []) {
            if (item.Key === undefined || !item.Key.startsWith(prefix))
                continue;
            const rel = item.Key.slice(prefix.length);
            if (rel === '' || rel.endsWith('/'))
                continue; // folder markers made by consoles
            objects.set(rel, { rel, etag: normaliseEtag(item.ETag ?? ''), size: item.Size ?? 0 });
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return objects;
}
async function prefixHasObjects(s3, bucket, prefix) {
    const page = await s3.send(new client_s3_dist_cjs.ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: 1 }));
    return (page.KeyCount ?? page.Contents?.length ?? 0) > 0;
}
function remote_isMissing(error) {
    if (error instanceof client_s3_dist_cjs.NoSuchKey || error instanceof client_s3_dist_cjs.NotFound)
        return true;
    const name = error?.name;
    const status = error?.$metadata?.httpStatusCode;
    return name === 'NoSuchKey' || name === 'NotFound' || status === 404;
}
async function readManifest(s3, bucket, key) {
    let text;
    try {
        const response = await s3.send(new client_s3_dist_cjs.GetObjectCommand({ Bucket: bucket, Key: key }));
        text = (await response.Body?.transformToString('utf-8')) ?? '';
    }
    catch (error) {
        if (remote_isMissing(error))
            return null;
        throw error;
    }
    try {
        const parsed = JSON.parse(text);
        if (parsed?.version !== 1 || typeof parsed.files !== 'object' || parsed.files === null)
            return null;
        return parsed;
    }
    catch {
        return null; // a damaged record is treated as no record: content comparison still protects identical files
    }
}
async function writeManifest(s3, bucket, key, manifest) {
    await s3.send(new client_s3_dist_cjs.PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: JSON.stringify(manifest),
        ContentType: 'application/json',
    }));
}
/** The action's metadata on an object, or null when the object is gone. */
async function readActionMetadata(s3, bucket, key) {
    try {
        const head = await s3.send(new client_s3_dist_cjs.HeadObjectCommand({ Bucket: bucket, Key: key }));
        const metadata = head.Metadata ?? {};
        return { md5: metadata[METADATA_MD5], commit: metadata[METADATA_COMMIT], etag: normaliseEtag(head.ETag ?? '') };
    }
    catch (error) {
        if (remote_isMissing(error))
            return null;
        throw error;
    }
}

;// CONCATENATED MODULE: ./src/sync/changed.ts
/**
 * Which files a push changed, from git: `git diff --name-only <before> <after>` run inside the model folder
 * (paths relative to it). Null when it cannot tell: no `before` (a new branch: all zeros), or `before` not in
 * the clone (shallow checkout, force push): the caller then compares every scenario by content.
 */





const run = (0,external_node_util_.promisify)(external_node_child_process_.execFile);
const SHA = /^[0-9a-f]{4,64}$/i;
async function git(cwd, args) {
    const { stdout } = await run('git', ['-c', 'core.quotepath=off', ...args], { cwd, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' });
    return stdout;
}
/**
 * Paths (relative to `repoDir`, `/`-separated) changed between two commits, deleted and renamed-from paths
 * included; only changes under `repoDir` are listed. Null when unknown.
 */
async function changedFilesBetween(repoDir, before, after) {
    const from = (before ?? '').trim();
    const to = (after ?? '').trim() || 'HEAD';
    if (from === '' || /^0+$/.test(from) || !SHA.test(from))
        return null;
    if (to !== 'HEAD' && !SHA.test(to))
        return null;
    try {
        // One git call: it fails when either is not a commit of the clone (shallow checkout, force push).
        const output = await git(repoDir, ['diff', '--name-only', '--no-renames', '--relative', '-z', `${from}^{commit}`, `${to}^{commit}`, '--', '.']);
        return output.split('\0').filter((path) => path.length > 0);
    }
    catch {
        return null;
    }
}
const INDEX_ENTRY = /(\d{6}) ([0-9a-f]{40,64}) (\d)\t([^\0]+)\0 {2}ctime: (\d+):(\d+)\n {2}mtime: (\d+):(\d+)\n {2}dev: \d+\tino: (\d+)\n {2}uid: \d+\tgid: \d+\n {2}size: (\d+)\tflags: [0-9a-f]+\n/y;
/** Entries of `git ls-files --stage --debug -z`; null when the output is not in the expected form. */
function parseIndexListing(listing) {
    const entries = [];
    INDEX_ENTRY.lastIndex = 0;
    while (INDEX_ENTRY.lastIndex < listing.length) {
        const match = INDEX_ENTRY.exec(listing);
        if (!match)
            return null;
        const [, mode, blob, stage, path, cs, cn, ms, mn, ino, size] = match;
        if (stage !== '0' || (mode !== '100644' && mode !== '100755'))
            continue; // conflicts, links, submodules
        entries.push({ path, blob, ctime: [BigInt(cs), BigInt(cn)], mtime: [BigInt(ms), BigInt(mn)], ino: BigInt(ino), size: BigInt(size) });
    }
    return entries;
}
const low32 = (value) => BigInt.asUintN(32, value);
const NS = 1000000000n;
/**
 * `clean`: the file is the one the index recorded (same size, inode, ctime and mtime to the nanosecond) and was
 * last modified before the index was written; `racy`: the same, but modified in the tick the index was written
 * (its content could have changed after git read it), so only its content can tell; `modified` otherwise.
 */
function indexedFileState(entry, file, indexWrittenNs) {
    const same = low32(file.size) === entry.size &&
        low32(file.ino) === entry.ino &&
        low32(file.mtimeNs / NS) === entry.mtime[0] &&
        file.mtimeNs % NS === entry.mtime[1] &&
        low32(file.ctimeNs / NS) === entry.ctime[0] &&
        file.ctimeNs % NS === entry.ctime[1];
    if (!same)
        return 'modified';
    return file.mtimeNs < indexWrittenNs ? 'clean' : 'racy';
}
/** Above this many racily clean files, git checks the whole folder rather than a list of paths. */
const MAX_PATHS_FOR_GIT = 1000;
/**
 * Git blob ids of the files under `dir` that git tracks and that are unmodified in the working tree
 * (paths relative to `dir`). Two files with the same blob id and size have the same content, so the sync can
 * skip re-hashing a file whose blob it recorded at its last upload. Null when `dir` is not in a git work tree.
 * Symbolic links and submodules are left out.
 *
 * A file is unmodified when its size, inode, ctime and mtime are those the index recorded, to the nanosecond,
 * and it was last modified before the index was written. This is git's own test, except that git compares times
 * to the second: right after a checkout every file is "racily clean" for git, and `git diff` would read and hash
 * the whole tree again (a quarter of a second for 100 MB). Files modified in the same clock tick as the index
 * was written are left to git (`git diff` on those paths only), as are all of them when the listing cannot be read.
 */
async function cleanTrackedBlobs(dir) {
    try {
        const indexPath = (0,external_node_path_.resolve)(dir, (await git(dir, ['rev-parse', '--git-path', 'index'])).trim());
        // The index's time is read before its entries: were it rewritten in between, its entries would only be newer.
        const indexWritten = (await (0,promises_.stat)(indexPath, { bigint: true })).mtimeNs;
        const entries = parseIndexListing(await git(dir, ['ls-files', '--stage', '--debug', '-z', '--', '.']));
        if (entries === null)
            return await blobsCheckedByGit(dir);
        const blobs = new Map();
        const racy = [];
        // One synchronous lstat each: microseconds, where a promise per file costs a round trip through the thread pool.
        for (const entry of entries) {
            const info = (0,external_node_fs_.lstatSync)((0,external_node_path_.join)(dir, entry.path), { bigint: true, throwIfNoEntry: false });
            if (!info?.isFile())
                continue; // gone
            const state = indexedFileState(entry, info, indexWritten);
            if (state === 'clean')
                blobs.set(entry.path, entry.blob);
            else if (state === 'racy')
                racy.push(entry);
            // modified: the sync hashes it
        }
        if (racy.length > 0) {
            const dirty = await modifiedPaths(dir, racy.length <= MAX_PATHS_FOR_GIT ? racy.map((entry) => entry.path) : undefined);
            for (const entry of racy)
                if (!dirty.has(entry.path))
                    blobs.set(entry.path, entry.blob);
        }
        return blobs;
    }
    catch {
        return null;
    }
}
/** Paths git finds modified (content compared) under `dir`, or among `paths` (relative to `dir`). */
async function modifiedPaths(dir, paths) {
    const args = ['diff', '--name-only', '--relative', '-z', '--', ...(paths ?? ['.'])];
    const output = await git(dir, paths ? ['--literal-pathspecs', ...args] : args);
    return new Set(output.split('\0').filter((path) => path.length > 0));
}
/** The blob ids of clean tracked files as `git diff` finds them (it hashes every racily clean file). */
async function blobsCheckedByGit(dir) {
    const [listed, dirty] = await Promise.all([git(dir, ['ls-files', '--stage', '-z', '--', '.']), modifiedPaths(dir)]);
    const blobs = new Map();
    for (const record of listed.split('\0')) {
        const match = /^(\d{6}) ([0-9a-f]{40,64}) (\d)\t(.+)$/s.exec(record);
        if (!match)
            continue;
        const [, mode, blob, stage, path] = match;
        if (stage !== '0' || (mode !== '100644' && mode !== '100755') || dirty.has(path))
            continue;
        blobs.set(path, blob);
    }
    return blobs;
}

// EXTERNAL MODULE: ./node_modules/@aws-sdk/lib-storage/dist-cjs/index.js
var lib_storage_dist_cjs = __webpack_require__(2358);
// EXTERNAL MODULE: ./node_modules/mime-types/index.js
var mime_types = __webpack_require__(4096);
;// CONCATENATED MODULE: ./src/sync/limit.ts
/** Bounded concurrency: slots shared by several loops, and a budget of bytes held in memory. */
/** A counter of free slots shared by several concurrent loops (uploads of every scenario share one limit). */
class Slots {
    #free;
    #waiting = [];
    constructor(size) {
        this.#free = size;
    }
    async run(task) {
        if (this.#free > 0)
            this.#free -= 1;
        else
            await new Promise((resolve) => this.#waiting.push(resolve));
        try {
            return await task();
        }
        finally {
            const waiter = this.#waiting.shift();
            if (waiter)
                waiter();
            else
                this.#free += 1;
        }
    }
}
/**
 * At most `capacity` units (bytes) held at once by the tasks it runs; a task waits, in order, until its amount is
 * free. An amount above the capacity is counted as the whole capacity, so that it runs alone rather than never.
 */
class Budget {
    #free;
    #capacity;
    #waiting = [];
    constructor(capacity) {
        this.#capacity = capacity;
        this.#free = capacity;
    }
    async run(amount, task) {
        const needed = Math.min(Math.max(amount, 0), this.#capacity);
        if (this.#waiting.length === 0 && this.#free >= needed)
            this.#free -= needed;
        else
            await new Promise((resume) => this.#waiting.push({ amount: needed, resume }));
        try {
            return await task();
        }
        finally {
            this.#free += needed;
            while (this.#waiting.length > 0 && this.#free >= this.#waiting[0].amount) {
                const next = this.#waiting.shift();
                this.#free -= next.amount;
                next.resume();
            }
        }
    }
}

;// CONCATENATED MODULE: ./src/sync/transfer.ts
/** Writes to the bucket: uploads (single-part or multipart, streamed) and batched deletes, each retried. */








/** Content types the web app and browsers expect; others come from mime-types, then application/octet-stream. */
const CONTENT_TYPES = {
    '.geojson': 'application/geo+json',
    '.json': 'application/json',
    '.csv': 'text/csv',
    '.parquet': 'application/vnd.apache.parquet',
    '.md': 'text/markdown',
    '.txt': 'text/plain',
};
function contentTypeFor(key) {
    const lower = key.toLowerCase();
    const dot = lower.lastIndexOf('.');
    if (dot > lower.lastIndexOf('/')) {
        const known = CONTENT_TYPES[lower.slice(dot)];
        if (known)
            return known;
    }
    return mime_types.lookup(key) || 'application/octet-stream';
}
/** On top of the SDK's own retries (max-attempts per call): one more try of the whole file after a pause. */
const DEFAULT_RETRY = { attempts: 2, firstDelayMs: 1000 };
async function withRetries(task, retry, onRetry) {
    let delay = retry.firstDelayMs;
    for (let attempt = 1;; attempt += 1) {
        try {
            return await task();
        }
        catch (error) {
            if (attempt >= retry.attempts)
                throw error;
            onRetry?.(error, attempt);
            await new Promise((resolve) => setTimeout(resolve, delay * (0.75 + Math.random() / 2)));
            delay *= 2;
        }
    }
}
/**
 * Asks S3 not to check a SHA-256 of the body: the SDK would otherwise hash every byte a second time to sign it.
 * The content stays checked by S3: Content-MD5 (sent with every single-part upload) and the SDK's CRC32 checksum.
 */
function withUnsignedPayload(command) {
    command.middlewareStack.add((next) => async (args) => {
        const request = args.request;
        if (request.headers)
            request.headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
        return next(args);
    }, { step: 'build', name: 'quetzalUnsignedPayload' });
    return command;
}
/**
 * Files below this size go in one PutObject from memory; larger ones in 8 MiB parts, several at once. One request
 * instead of a create, three parts and a complete for a 20 MB file, and each byte read and hashed once (rclone's
 * cut-off is 200 MiB; the AWS CLI's 8 MiB).
 */
const MULTIPART_THRESHOLD = 64 * MiB;
/** Bytes of files held in memory at once by uploads (they wait for room; each is below MULTIPART_THRESHOLD). */
const UPLOAD_MEMORY_BUDGET = 256 * MiB;
const uploadMemory = new Budget(UPLOAD_MEMORY_BUDGET);
/**
 * Uploads one file; returns the ETag S3 gave it and the MD5 recorded in its metadata.
 * - below 64 MiB: read once, hashed, and sent in one PutObject with Content-MD5, which S3 checks;
 * - larger: hashed, then streamed in 8 MiB parts by lib-storage, 4 at once.
 */
async function uploadFile(request) {
    const params = (md5) => {
        const metadata = { [METADATA_MD5]: md5 };
        if (request.commitSha)
            metadata[METADATA_COMMIT] = request.commitSha;
        return { Bucket: request.bucket, Key: request.key, ContentType: contentTypeFor(request.key), Metadata: metadata };
    };
    if (request.size < MULTIPART_THRESHOLD) {
        return uploadMemory.run(request.size, async () => {
            const body = await (0,promises_.readFile)(request.path);
            if (body.length !== request.size)
                throw new Error(`${request.path} changed while syncing (size ${body.length}, planned ${request.size})`);
            const md5 = hashBuffer(body).md5;
            if (request.md5 !== undefined && md5 !== request.md5)
                throw new Error(`${request.path} changed while syncing (content differs from the plan)`);
            const contentMd5 = Buffer.from(md5, 'hex').toString('base64');
            const response = await request.s3.send(withUnsignedPayload(new client_s3_dist_cjs.PutObjectCommand({ ...params(md5), Body: body, ContentMD5: contentMd5 })));
            return { etag: normaliseEtag(response.ETag ?? ''), md5 };
        });
    }
    const md5 = request.md5 ?? (await hashFile(request.path)).md5;
    const upload = new lib_storage_dist_cjs/* Upload */._({
        client: request.s3,
        params: { ...params(md5), Body: (0,external_node_fs_.createReadStream)(request.path, { highWaterMark: MiB }), ContentLength: request.size },
        partSize: ACTION_PART_SIZE,
        queueSize: 4,
        leavePartsOnError: false,
    });
    const response = await upload.done();
    return { etag: normaliseEtag(response.ETag ?? ''), md5 };
}
/** Deletes keys in batches of 1,000, retrying the keys S3 did not delete; returns those that still failed, with why. */
async function deleteKeys(s3, bucket, keys, retry) {
    const failures = [];
    for (let start = 0; start < keys.length; start += 1000) {
        let remaining = keys.slice(start, start + 1000);
        let lastErrors = new Map();
        let delay = retry.firstDelayMs;
        for (let attempt = 1; attempt <= retry.attempts && remaining.length > 0; attempt += 1) {
            if (attempt > 1) {
                await new Promise((resolve) => setTimeout(resolve, delay));
                delay *= 2;
            }
            try {
                const response = await s3.send(new client_s3_dist_cjs.DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: remaining.map((Key) => ({ Key })), Quiet: true } }));
                lastErrors = new Map((response.Errors ?? []).map((error) => [error.Key ?? '', `${error.Code}: ${error.Message ?? ''}`]));
            }
            catch (error) {
                lastErrors = new Map(remaining.map((key) => [key, error.message]));
            }
            remaining = remaining.filter((key) => lastErrors.has(key));
        }
        for (const key of remaining)
            failures.push({ key, error: lastErrors.get(key) ?? 'unknown error' });
    }
    return failures;
}

;// CONCATENATED MODULE: ./src/sync/report.ts
/** Job-summary reports of the scenario sync: a row per scenario, outputs, and the files deleted or in conflict. */

function cell(text) {
    return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
function code(text) {
    return `\`${text.replace(/`/g, "'")}\``;
}
const PLAN_STATUS = {
    sync: 'will sync',
    unchanged: 'unchanged',
    locked: 'skipped: locked',
    conflict: 'stopped: conflict',
    'removed-locally': 'skipped: not in the repository',
};
const MAX_LISTED = 50;
function fileList(title, keys) {
    if (keys.length === 0)
        return '';
    const shown = keys.slice(0, MAX_LISTED).map((key) => `- ${code(key)}`);
    if (keys.length > MAX_LISTED)
        shown.push(`- ... and ${keys.length - MAX_LISTED} more (see the log)`);
    return `\n<details><summary>${title} (${keys.length})</summary>\n\n${shown.join('\n')}\n\n</details>\n`;
}
function scenarioNames(targets, statuses) {
    return JSON.stringify(targets.filter((t) => t.kind === 'scenario' && statuses.includes(t.status)).map((t) => t.name));
}
function reportPlan(plan) {
    let uploads = 0;
    let bytes = 0;
    let deletes = 0;
    let unchanged = 0;
    const rows = [];
    const toDelete = [];
    const conflicts = [];
    for (const target of plan.targets) {
        const decision = target.decision;
        const active = target.status === 'sync' || target.status === 'unchanged';
        const up = active ? (decision?.uploads ?? []) : [];
        const del = active ? (decision?.deletes ?? []) : [];
        const upBytes = up.reduce((sum, item) => sum + item.size, 0);
        uploads += up.length;
        bytes += upBytes;
        deletes += del.length;
        unchanged += decision?.unchanged.length ?? 0;
        toDelete.push(...del.map((item) => `${target.prefix}${item.rel}`));
        conflicts.push(...(decision?.conflicts ?? []).map((c) => `${target.prefix}${c.rel}: ${c.reason}`));
        const status = target.blocking ? `${PLAN_STATUS[target.status]} (fails the step)` : PLAN_STATUS[target.status];
        rows.push(`| ${cell(code(target.prefix))} | ${status} | ${up.length} (${formatBytes(upBytes)}) | ${del.length} | ${decision?.unchanged.length ?? '-'} | ${cell(target.notes.join('; '))} |`);
    }
    const toSync = plan.targets.filter((target) => target.status === 'sync').length;
    const status = plan.problems.length > 0 ? 'would fail' : toSync > 0 ? `would sync ${toSync} prefix(es)` : 'unchanged';
    const markdown = (rows.length === 0
        ? 'No scenario selected.\n'
        : `| Prefix | Plan | Upload | Delete | Unchanged | Notes |\n| --- | --- | --- | --- | --- | --- |\n${rows.join('\n')}\n`) +
        fileList('Files that would be deleted', toDelete) +
        fileList('Files changed outside the action', conflicts);
    return {
        step: 'scenarios',
        status,
        details: [
            ['Bucket', plan.bucket],
            ['Scenarios', plan.selection],
            ['Would upload', `${uploads} file(s), ${formatBytes(bytes)}`],
            ['Would delete', String(deletes)],
            ['Unchanged', String(unchanged)],
        ],
        outputs: {
            scenarios: scenarioNames(plan.targets, ['sync', 'unchanged']),
            'files-uploaded': '0',
            'bytes-uploaded': '0',
            'files-deleted': '0',
            'files-unchanged': String(unchanged),
        },
        markdown,
    };
}
const OUTCOME_STATUS = {
    sync: 'synced',
    unchanged: 'unchanged',
    locked: 'skipped: locked',
    conflict: 'stopped: conflict',
    'removed-locally': 'skipped: not in the repository',
    failed: 'failed',
};
function reportOutcome(outcome) {
    let uploads = 0;
    let bytes = 0;
    let deletes = 0;
    let unchanged = 0;
    const rows = [];
    const failures = [];
    const deleted = [];
    for (const target of outcome.targets) {
        deleted.push(...target.deletedKeys);
        uploads += target.uploaded;
        bytes += target.bytesUploaded;
        deletes += target.deleted;
        unchanged += target.unchanged;
        failures.push(...target.failures.map((f) => `${f.key}: ${f.error}`));
        rows.push(`| ${cell(code(target.prefix))} | ${OUTCOME_STATUS[target.status] ?? target.status} | ${target.uploaded} (${formatBytes(target.bytesUploaded)}) | ${target.deleted} | ${target.unchanged} | ${cell(target.notes.join('; '))} |`);
    }
    const synced = outcome.targets.filter((target) => target.status === 'sync').length;
    const status = outcome.problems.length > 0 ? 'failed' : synced > 0 ? `synced ${synced} prefix(es)` : 'unchanged';
    const markdown = (rows.length === 0
        ? 'No scenario selected.\n'
        : `| Prefix | Result | Uploaded | Deleted | Unchanged | Notes |\n| --- | --- | --- | --- | --- | --- |\n${rows.join('\n')}\n`) +
        fileList('Deleted files', deleted) +
        fileList('Failures', failures);
    return {
        step: 'scenarios',
        status,
        details: [
            ['Bucket', outcome.bucket],
            ['Uploaded', `${uploads} file(s), ${formatBytes(bytes)}`],
            ['Deleted', String(deletes)],
            ['Unchanged', String(unchanged)],
        ],
        outputs: {
            scenarios: scenarioNames(outcome.targets, ['sync', 'unchanged']),
            'files-uploaded': String(uploads),
            'bytes-uploaded': String(bytes),
            'files-deleted': String(deletes),
            'files-unchanged': String(unchanged),
        },
        markdown,
    };
}

;// CONCATENATED MODULE: ./src/sync/step.ts
/**
 * The `scenarios` deploy step: syncs `<model>/scenarios/<name>/` to `s3://<bucket>/<name>/` and the model-wide
 * files to `_common/`, by content, without ever losing data:
 * - nothing is deleted unless `delete-removed` is on, and never run artifacts (outputs/, logs/, info.json, .lock);
 * - a scenario locked remotely is left alone (`locked`);
 * - a file changed outside the action since the action wrote it stops its scenario (`on-conflict`);
 * - every upload of a scenario succeeds before any of its deletes; a rerun finishes an interrupted sync.
 */













/** Thrown by apply when a file failed or a scenario was blocked; carries what was done, for the report. */
class SyncError extends DeployError {
    outcome;
    constructor(message, hint, outcome) {
        super(message, hint);
        this.name = 'SyncError';
        this.outcome = outcome;
    }
}
const HASH_CONCURRENCY = 8;
const LISTED_FILES_IN_LOG = 100;
function keyOf(target, rel) {
    return `${target.prefix}${rel}`;
}
function listForLog(items, limit) {
    const shown = items.slice(0, limit).map((item) => `  ${item}`);
    if (items.length > limit)
        shown.push(`  ... and ${items.length - limit} more`);
    return shown.join('\n');
}
class ScenarioSyncStep {
    name = 'scenarios';
    #config;
    #hashSlots = new Slots(HASH_CONCURRENCY);
    /** Git blob ids of clean tracked files, relative to the model folder (null: not a git checkout). */
    #blobs = Promise.resolve(null);
    constructor(config) {
        this.#config = config;
    }
    // ---------------------------------------------------------------- plan (read-only)
    async plan() {
        const { modelFolder, options, logger, bucket } = this.#config;
        const folderInfo = await (0,promises_.stat)(modelFolder).catch(() => undefined);
        if (!folderInfo?.isDirectory()) {
            throw new DeployError(`Model folder ${modelFolder} does not exist.`, 'Set model-folder to the folder that holds scenarios/.');
        }
        // git runs while the bucket is listed; only files with a record wait for it.
        this.#blobs = this.#config.useGit === false ? Promise.resolve(null) : cleanTrackedBlobs(modelFolder);
        const { names, selection, removedLocally } = await this.#selectScenarios();
        const targets = [];
        const common = await listCommonFiles(modelFolder, options.docsFolder);
        const planned = [];
        if (common.files.length > 0 || common.hasDocs) {
            const docsPrefix = `${options.docsFolder}/`;
            planned.push(this.#planTarget({ kind: 'common', name: '_common', prefix: '_common/' }, Promise.resolve(common.files), (rel) => rel.startsWith('docs/') && common.hasDocs, (rel) => (rel.startsWith('docs/') ? docsPrefix + rel.slice('docs/'.length) : rel)));
        }
        for (const name of names) {
            planned.push(this.#planTarget({ kind: 'scenario', name, prefix: `${name}/` }, listFilesUnder((0,external_node_path_.join)(scenariosFolder(modelFolder), name)), () => true, (rel) => `scenarios/${name}/${rel}`));
        }
        targets.push(...(await Promise.all(planned)));
        for (const name of removedLocally) {
            targets.push({
                kind: 'scenario',
                name,
                prefix: `${name}/`,
                status: 'removed-locally',
                manifest: null,
                notes: ['no local folder any more: the remote scenario is left as it is (delete it in the web app if wanted)'],
            });
        }
        await this.#checkBaseRemains(targets);
        const problems = targets.flatMap((target) => (target.blocking ? [target.blocking] : []));
        const plan = { bucket, selection, targets, problems };
        this.#logPlan(plan);
        if (problems.length > 0)
            logger.warning(`Scenario sync will fail after syncing the other scenarios:\n${problems.join('\n')}`);
        return plan;
    }
    async #selectScenarios() {
        const { modelFolder, options, changedFiles } = this.#config;
        const selection = options.scenarios;
        if (selection.kind === 'none')
            return { names: [], selection: 'none', removedLocally: [] };
        if (selection.kind === 'names') {
            for (const name of selection.names) {
                if (!(await localScenarioExists(modelFolder, name))) {
                    throw new DeployError(`Scenario "${name}" (input scenarios) has no folder ${(0,external_node_path_.join)(scenariosFolder(modelFolder), name)}.`, 'Name folders that exist under scenarios/, or use "changed" or "all".');
                }
            }
            return { names: selection.names, selection: selection.names.join(', '), removedLocally: [] };
        }
        const local = await listLocalScenarios(modelFolder);
        if (selection.kind === 'all')
            return { names: local, selection: 'all', removedLocally: [] };
        if (changedFiles === null || changedFiles === undefined) {
            return { names: local, selection: 'changed (commits unknown: every scenario compared by content)', removedLocally: [] };
        }
        const touched = new Set();
        for (const path of changedFiles) {
            const match = /^scenarios\/([^/]+)\/./.exec(path.replace(/\\/g, '/').replace(/^\.\//, ''));
            if (match && !match[1].startsWith('.'))
                touched.add(match[1]);
        }
        const localSet = new Set(local);
        const names = [...touched].filter((name) => localSet.has(name)).sort();
        const removedLocally = [...touched].filter((name) => !localSet.has(name)).sort();
        return { names, selection: `changed (${names.length} of ${local.length})`, removedLocally };
    }
    async #planTarget(target, localListing, isManagedRemoteOnly, modelPath) {
        const { s3, bucket, options, logger } = this.#config;
        const notes = [];
        const started = performance.now();
        const since = () => Math.round(performance.now() - started);
        const timings = []; // for the debug log: where the plan of a prefix spends its time
        // The record is read while the prefix is listed: one round trip instead of two.
        const manifestRead = readManifest(s3, bucket, manifestKey(target));
        manifestRead.catch(() => { }); // awaited below, unless the scenario is locked
        const [remote, localFiles] = await Promise.all([
            listPrefix(s3, bucket, target.prefix).finally(() => timings.push(`listed at ${since()} ms`)),
            localListing.finally(() => timings.push(`local files at ${since()} ms`)),
        ]);
        if (target.kind === 'scenario' && remote.has('.lock')) {
            if (options.locked === 'skip') {
                logger.warning(`Scenario "${target.name}" is locked (${target.prefix}.lock exists): left as it is (input locked: skip).`);
                return { ...target, status: 'locked', manifest: null, remote, notes: ['locked remotely: left as it is'] };
            }
            if (options.locked === 'fail') {
                return {
                    ...target,
                    status: 'locked',
                    manifest: null,
                    remote,
                    notes: ['locked remotely'],
                    blocking: `Scenario "${target.name}" is locked (${target.prefix}.lock exists); unlock it or set locked: skip or overwrite.`,
                };
            }
            notes.push('locked remotely: synced anyway (locked: overwrite); the lock is kept');
        }
        const manifest = await manifestRead;
        const blobs = manifest && Object.keys(manifest.files).length > 0 ? await this.#blobs : null;
        timings.push(`record${blobs ? ' and git' : ''} at ${since()} ms`);
        let hashedCount = 0;
        const hashed = await Promise.all(localFiles.map(async (file) => {
            const existing = remote.get(file.rel);
            // No remote object of that size: the file differs for sure; its MD5 is computed while uploading.
            if (!existing || existing.size !== file.size)
                return { ...file, hashes: null };
            const recorded = manifest?.files[file.rel];
            const vouched = recorded !== undefined && recorded.etag === existing.etag && recorded.size === existing.size;
            const blob = blobs?.get(modelPath(file.rel));
            if (vouched && blob !== undefined && recorded.blob === blob) {
                // git says the content is the one recorded, and the remote object is the one recorded: nothing to read.
                return { ...file, blob, hashes: { md5: recorded.md5, multipart: new Map() } };
            }
            // When the record vouches for the remote object, its MD5 decides: no multipart ETag to recompute.
            const partSizes = vouched ? [] : partSizesToCompare(existing.etag, existing.size);
            const hashes = await this.#hashSlots.run(() => hashFile(file.path, partSizes, file.size));
            hashedCount += 1;
            return { ...file, blob, hashes };
        }));
        timings.push(`${hashedCount} file(s) hashed by ${since()} ms`);
        const artifactMatcher = target.kind === 'scenario' ? picomatch_default()(options.keep, { dot: true }) : () => false;
        const decision = await decidePrefix({
            local: hashed,
            remote,
            manifest,
            deleteRemoved: options.deleteRemoved,
            isArtifact: (rel) => artifactMatcher(rel),
            isManaged: isManagedRemoteOnly,
            readMetadata: (rel) => readActionMetadata(s3, bucket, keyOf(target, rel)),
        });
        let status = decision.uploads.length + decision.deletes.length > 0 ? 'sync' : 'unchanged';
        let blocking;
        if (decision.conflicts.length > 0) {
            const files = decision.conflicts.map((conflict) => `${keyOf(target, conflict.rel)} (${conflict.reason})`);
            if (options.onConflict === 'overwrite') {
                logger.warning(`Overwriting ${files.length} file(s) changed outside the action (on-conflict: overwrite):\n${listForLog(files, 1000)}`);
                notes.push(`${files.length} file(s) changed outside the action overwritten`);
                overwriteConflicts(decision, hashed, remote);
                status = 'sync';
            }
            else {
                status = 'conflict';
                const message = `Scenario "${target.name}" has ${files.length} file(s) changed outside the action; nothing of it is synced:\n${listForLog(files, 1000)}`;
                if (options.onConflict === 'skip')
                    logger.warning(`${message}\n(on-conflict: skip)`);
                else
                    blocking = `${message}\nKeep the remote version (copy it into the repository), or rerun with on-conflict: overwrite.`;
                notes.push(`${files.length} file(s) changed outside the action: ${decision.conflicts.slice(0, 5).map((c) => c.rel).join(', ')}${files.length > 5 ? ', ...' : ''}`);
            }
        }
        logger.debug(`${target.prefix}: ${localFiles.length} local and ${remote.size} remote file(s) compared in ${since()} ms (${timings.join(', ')})`);
        if (decision.keptArtifacts.length > 0) {
            notes.push(`${decision.keptArtifacts.length} run artifact(s) differ from the repository: the run's version is kept`);
        }
        if (!options.deleteRemoved) {
            const stale = decision.remoteOnly.filter((rel) => !artifactMatcher(rel));
            if (stale.length > 0)
                notes.push(`${stale.length} remote file(s) not in the repository kept (delete-removed is off)`);
        }
        return { ...target, status, blocking, decision, manifest, remote, notes, modelPath };
    }
    /** The web app needs a `base` scenario: refuse a sync after which there would be none. */
    async #checkBaseRemains(targets) {
        const { s3, bucket, modelFolder } = this.#config;
        const base = targets.find((target) => target.kind === 'scenario' && target.name === 'base');
        let exists;
        if (base?.decision && (base.status === 'sync' || base.status === 'unchanged')) {
            const d = base.decision;
            const localFiles = d.uploads.length + d.unchanged.length + d.keptArtifacts.length;
            exists = localFiles > 0 || (base.remote?.size ?? 0) - d.deletes.length > 0;
        }
        else if (base?.remote) {
            exists = base.remote.size > 0;
        }
        else {
            exists = await prefixHasObjects(s3, bucket, 'base/');
        }
        if (exists)
            return;
        const hasLocalBase = await localScenarioExists(modelFolder, 'base');
        throw new DeployError(`No "base" scenario would exist in s3://${bucket}/base/ after the sync; the web app needs one.`, hasLocalBase
            ? 'Include base in the synced scenarios (scenarios: all, or a list naming base).'
            : `Add a base scenario under ${scenariosFolder(modelFolder)}/base/ and sync it.`);
    }
    #logPlan(plan) {
        const { logger } = this.#config;
        logger.info(`Scenarios: ${plan.selection}; bucket ${plan.bucket}`);
        for (const target of plan.targets) {
            const decision = target.decision;
            if (!decision) {
                logger.info(`${target.prefix}: ${target.status}${target.notes.length ? ` (${target.notes.join('; ')})` : ''}`);
                continue;
            }
            const bytes = decision.uploads.reduce((sum, upload) => sum + upload.size, 0);
            logger.info(`${target.prefix}: ${target.status}; ${decision.uploads.length} to upload (${formatBytes(bytes)}), ` +
                `${decision.deletes.length} to delete, ${decision.unchanged.length} unchanged` +
                (target.notes.length ? ` (${target.notes.join('; ')})` : ''));
            if (target.status !== 'sync')
                continue;
            if (decision.uploads.length > 0) {
                const lines = decision.uploads.map((upload) => `${keyOf(target, upload.rel)} (${upload.reason})`);
                logger.info(`To upload:\n${listForLog(lines, LISTED_FILES_IN_LOG)}`);
                if (lines.length > LISTED_FILES_IN_LOG)
                    logger.debug(lines.join('\n'));
            }
            if (decision.deletes.length > 0) {
                logger.info(`To delete (not in the repository, delete-removed: true):\n${listForLog(decision.deletes.map((d) => keyOf(target, d.rel)), Infinity)}`);
            }
        }
    }
    // ---------------------------------------------------------------- apply (writes)
    async apply(plan) {
        const { logger, options } = this.#config;
        const uploadSlots = new Slots(options.uploadConcurrency);
        const outcomes = await Promise.all(plan.targets.map((target) => this.#applyTarget(target, uploadSlots)));
        const outcome = { bucket: plan.bucket, targets: outcomes, problems: [...plan.problems] };
        const failed = outcomes.filter((target) => target.failures.length > 0);
        for (const target of failed) {
            outcome.problems.push(`${target.failures.length} file(s) of ${target.prefix} failed:\n${listForLog(target.failures.map((f) => `${f.key}: ${f.error}`), 50)}`);
        }
        const notStarted = outcomes.reduce((sum, target) => sum + target.notStarted, 0);
        if (notStarted > 0)
            outcome.problems.push(`The run was cancelled: ${notStarted} upload(s) not started, no file deleted.`);
        if (outcome.problems.length > 0) {
            logger.warning(outcome.problems.join('\n'));
            throw new SyncError(`Scenario sync did not finish (${outcome.problems.length} problem(s)):\n${outcome.problems.join('\n')}`, 'The other scenarios were synced. Fix what is named and rerun: the sync compares content, so it finishes the rest.', outcome);
        }
        return outcome;
    }
    async #applyTarget(target, uploadSlots) {
        const { s3, bucket, logger, commitSha } = this.#config;
        const retry = this.#config.retry ?? DEFAULT_RETRY;
        const decision = target.decision;
        const result = {
            kind: target.kind,
            name: target.name,
            prefix: target.prefix,
            status: target.status,
            uploaded: 0,
            bytesUploaded: 0,
            deleted: 0,
            deletedKeys: [],
            unchanged: decision?.unchanged.length ?? 0,
            failures: [],
            notes: [...target.notes],
            notStarted: 0,
        };
        if (!decision || (target.status !== 'sync' && target.status !== 'unchanged'))
            return result;
        const uploadedEntries = {};
        const uploadedKeys = [];
        const blobs = await this.#blobs;
        await Promise.all(decision.uploads.map((upload) => uploadSlots.run(async () => {
            const key = keyOf(target, upload.rel);
            if (this.#config.signal?.aborted) {
                result.notStarted += 1;
                return;
            }
            try {
                const { etag, md5 } = await withRetries(() => uploadFile({ s3, bucket, key, path: upload.path, size: upload.size, md5: upload.md5, commitSha }), retry, (error, attempt) => logger.debug(`Upload of ${key} failed (attempt ${attempt}), retrying: ${error.message}`));
                if (!upload.artifact) {
                    uploadedEntries[upload.rel] = { etag, md5, size: upload.size };
                    const blob = upload.blob ?? (blobs && target.modelPath ? blobs.get(target.modelPath(upload.rel)) : undefined);
                    if (blob)
                        uploadedEntries[upload.rel].blob = blob;
                }
                result.uploaded += 1;
                result.bytesUploaded += upload.size;
                uploadedKeys.push(key); // logged once at the end: a line per file costs a write each
            }
            catch (error) {
                result.failures.push({ key, error: error.message });
            }
        })));
        if (uploadedKeys.length > 0)
            logger.debug(`Uploaded ${uploadedKeys.length} file(s) to ${target.prefix}:\n${uploadedKeys.sort().join('\n')}`);
        if (result.notStarted > 0)
            result.notes.push(`${result.notStarted} upload(s) not started: the run was cancelled`);
        if (decision.deletes.length > 0) {
            if (result.failures.length > 0 || result.notStarted > 0) {
                result.notes.push(`${decision.deletes.length} delete(s) postponed: not every upload was done`);
            }
            else {
                const keys = decision.deletes.map((item) => keyOf(target, item.rel));
                logger.info(`Deleting ${keys.length} file(s) no longer in the repository:\n${listForLog(keys, Infinity)}`);
                const failures = await deleteKeys(s3, bucket, keys, retry);
                result.failures.push(...failures);
                const failed = new Set(failures.map((failure) => failure.key));
                result.deletedKeys = keys.filter((key) => !failed.has(key));
                result.deleted = result.deletedKeys.length;
            }
        }
        const next = this.#nextManifest(target, decision, uploadedEntries, blobs);
        const nothingToRecord = target.manifest === null && Object.keys(next.files).length === 0;
        // A first sync that did not finish records nothing: its rerun is a first sync again and finishes the job
        // (old-script files the plan would delete are still the migration's to delete, not someone else's additions).
        const unfinishedFirstSync = target.manifest === null && (result.failures.length > 0 || result.notStarted > 0);
        if (!nothingToRecord && !unfinishedFirstSync && !sameEntries(next.files, target.manifest?.files ?? null)) {
            try {
                await withRetries(() => writeManifest(s3, bucket, manifestKey(target), next), retry);
            }
            catch (error) {
                result.failures.push({ key: manifestKey(target), error: error.message });
            }
        }
        if (result.failures.length > 0 || result.notStarted > 0)
            result.status = 'failed';
        if (result.uploaded + result.deleted > 0 || result.failures.length > 0) {
            logger.info(`${target.prefix}: ${result.uploaded} uploaded (${formatBytes(result.bytesUploaded)}), ${result.deleted} deleted, ${result.unchanged} unchanged`);
        }
        return result;
    }
    #nextManifest(target, decision, uploaded, blobs) {
        const files = { ...decision.carriedEntries };
        for (const item of decision.unchanged) {
            if (item.artifact)
                continue;
            const blob = item.entry.blob ?? (blobs && target.modelPath ? blobs.get(target.modelPath(item.rel)) : undefined);
            files[item.rel] = blob ? { ...item.entry, blob } : item.entry;
        }
        for (const upload of decision.uploads) {
            const previous = target.manifest?.files[upload.rel];
            if (uploaded[upload.rel])
                files[upload.rel] = uploaded[upload.rel];
            else if (previous && !upload.artifact)
                files[upload.rel] = previous; // failed: the remote object did not change
        }
        const sorted = {};
        for (const rel of Object.keys(files).sort())
            sorted[rel] = files[rel];
        return { version: 1, prefix: target.prefix, commit: this.#config.commitSha, updatedAt: new Date().toISOString(), files: sorted };
    }
    // ---------------------------------------------------------------- reports
    reportPlan(plan) {
        return reportPlan(plan);
    }
    reportOutcome(outcome) {
        return reportOutcome(outcome);
    }
}
function sameEntries(a, b) {
    if (b === null)
        return false;
    const keysA = Object.keys(a);
    if (keysA.length !== Object.keys(b).length)
        return false;
    return keysA.every((rel) => b[rel] && b[rel].etag === a[rel].etag && b[rel].md5 === a[rel].md5 && b[rel].size === a[rel].size && b[rel].blob === a[rel].blob);
}

;// CONCATENATED MODULE: ./src/sync/index.ts
/** Scenario sync to S3: the `scenarios` deploy step, its options, and the changed-files helper. */




;// CONCATENATED MODULE: ./src/core/deploy-run.ts
/**
 * plan and deploy modes: parse the deploy inputs, make the AWS clients, and run the steps (preflight → plans →
 * applies). Loaded lazily by run.ts, so validate mode never loads the AWS SDK or the Docker code.
 */






async function runDeploy(config, validation, { logger, get, git, signal }) {
    const options = parseDeployOptions(get);
    const lockOptions = parseLockOptions(get);
    const syncOptions = parseSyncOptions(get);
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
    const mode = config.mode === 'plan' ? 'plan' : 'deploy';
    const changedFiles = options.steps.includes('scenarios') && syncOptions.scenarios.kind === 'changed'
        ? await changedFilesBetween(config.modelFolder, git.before, git.after)
        : null;
    const clients = createAwsClients({ region: config.region, maxAttempts: options.maxAttempts });
    try {
        const result = await runDeploySteps({
            mode,
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
            signal,
            scenarios: () => {
                const sync = new ScenarioSyncStep({ s3: clients.s3, logger, options: syncOptions, bucket, modelFolder: config.modelFolder, commitSha: git.sha, changedFiles, signal });
                return (mode === 'deploy' ? failingBeforeAnyWrite(sync) : sync);
            },
            lock: () => acquireDeployLock(clients.s3, {
                bucket,
                owner: { runId: git.runId ?? `run-${process.pid}`, sha: git.sha, actor: git.actor, url: git.runUrl },
                ttlSeconds: lockOptions.ttlMinutes * 60,
                waitSeconds: lockOptions.timeoutMinutes * 60,
            }, logger),
        });
        const outputs = { ...result.outputs };
        if (mode === 'plan')
            outputs.plan = JSON.stringify(result.reports.map(({ step, status, details }) => ({ step, status, details: Object.fromEntries(details) })));
        return {
            steps: result.reports,
            outputs,
            consoleLinks: consoleLinks(config.region, result.preflight.accountId, {
                ecrRepository: names.ecrRepository.value,
                lambdaFunction: names.lambdaFunction.value,
                stateMachine: result.preflight.stateMachine?.arn,
                bucket,
            }),
        };
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
/** Where each resource is in the AWS console, for the job summary. */
function consoleLinks(region, accountId, resources) {
    const home = `https://${region}.console.aws.amazon.com`;
    const q = `region=${region}`;
    const links = {
        ecrRepository: `${home}/ecr/repositories/private/${accountId}/${resources.ecrRepository}?${q}`,
        lambdaFunction: `${home}/lambda/home?${q}#/functions/${encodeURIComponent(resources.lambdaFunction)}`,
        bucket: `https://s3.console.aws.amazon.com/s3/buckets/${resources.bucket}?${q}`,
    };
    if (resources.stateMachine)
        links.stateMachine = `${home}/states/home?${q}#/statemachines/view/${encodeURIComponent(resources.stateMachine)}`;
    return links;
}
/**
 * A scenario that cannot be synced as asked (a web-app edit with `on-conflict: fail`, a lock with `locked: fail`)
 * is found while planning: the deploy stops there, before the image is pushed or anything else is written.
 */
function failingBeforeAnyWrite(sync) {
    return {
        name: sync.name,
        plan: async () => {
            const plan = await sync.plan();
            if (plan.problems.length > 0) {
                throw new DeployError(`The scenario sync cannot complete, so nothing was deployed:\n${plan.problems.join('\n')}`, 'Bring the web-app edits into the repository, or set `on-conflict: skip` / `overwrite` (and `locked`) to decide.');
            }
            return plan;
        },
        apply: (plan) => sync.apply(plan),
        reportPlan: (plan) => sync.reportPlan(plan),
        reportOutcome: (outcome) => sync.reportOutcome(outcome),
    };
}
function fail(message, hint) {
    return { steps: [], outputs: {}, failure: { message, hint } };
}


/***/ })

};
