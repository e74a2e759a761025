// What terraform creates for one Quetzal model, in the local account (moto + the local "ECR" registry):
//   S3 bucket <name>; ECR repository <name>; IAM roles <name>-lambda and <name>-sfn; a placeholder image built
//   FROM scratch and really pushed to <registry>/<name>:placeholder; Lambda function <name> (PackageType Image,
//   x86_64, env BUCKET_NAME=<name>) running it; state machine <name> with a placeholder definition; ECS cluster
//   <name> and the Fargate task-definition family <name>-task whose one container, <name>, runs the placeholder
//   (env BUCKET_NAME=<name>, its own execution and task roles), as the backend's infra/modules/ecs does.
// Idempotent: what already exists is kept as it is. Reads the account from the environment (STATE_DIR/env).
// Usage: node provision.ts <model-name>   (provision.sh sources the env file and runs this)
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateBucketCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateRepositoryCommand, ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { CreateFunctionCommand, GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateStateMachineCommand, ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import { CreateClusterCommand, DescribeTaskDefinitionCommand, ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';

const run = promisify(execFile);

export const PLACEHOLDER_TAG = 'placeholder';

/** The state machine terraform creates before the model's own step-functions.json is deployed. */
export const PLACEHOLDER_DEFINITION = {
  Comment: 'Placeholder created by the infrastructure; replaced by the model deployment.',
  StartAt: 'Placeholder',
  States: { Placeholder: { Type: 'Pass', End: true } },
};

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: source the local account's env file (scripts/local-account/start.sh writes it)`);
  return value;
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : '';
}

/** Runs `create`, treating the listed "already exists" error names as success. Returns true if it created. */
async function createUnlessExists(what: string, create: () => Promise<unknown>, existsErrors: string[]): Promise<boolean> {
  try {
    await create();
    console.log(`created ${what}`);
    return true;
  } catch (error) {
    if (existsErrors.includes(errorName(error))) {
      console.log(`exists  ${what}`);
      return false;
    }
    throw error;
  }
}

/**
 * Gets or creates an IAM role (with an inline policy). The project has no IAM SDK client and the action never
 * touches IAM, so this uses the AWS CLI (v1, preinstalled; honours AWS_ENDPOINT_URL) rather than a new dependency.
 */
async function ensureRole(roleName: string, service: string, policy: object): Promise<string> {
  const trust = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }],
  };
  try {
    const { stdout } = await run('aws', ['iam', 'create-role', '--role-name', roleName, '--assume-role-policy-document', JSON.stringify(trust), '--query', 'Role.Arn', '--output', 'text']);
    await run('aws', ['iam', 'put-role-policy', '--role-name', roleName, '--policy-name', `${roleName}-policy`, '--policy-document', JSON.stringify(policy)]);
    console.log(`created IAM role ${roleName}`);
    return stdout.trim();
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    if (!stderr.includes('EntityAlreadyExists')) throw new Error(`aws iam create-role ${roleName}: ${stderr.trim() || String(error)}`, { cause: error });
  }
  const { stdout } = await run('aws', ['iam', 'get-role', '--role-name', roleName, '--query', 'Role.Arn', '--output', 'text']);
  console.log(`exists  IAM role ${roleName}`);
  return stdout.trim();
}

/** Builds a FROM scratch image with the private dockerd and pushes it to <registry>/<repository>:placeholder. */
async function pushPlaceholderImage(ecr: ECRClient, registryHost: string, repository: string): Promise<string> {
  const imageUri = `${registryHost}/${repository}:${PLACEHOLDER_TAG}`;
  const context = await mkdtemp(join(tmpdir(), 'quetzal-placeholder-'));
  try {
    await writeFile(join(context, 'PLACEHOLDER'), `Placeholder image for ${repository}; the model deployment replaces it.\n`);
    await writeFile(join(context, 'Dockerfile'), 'FROM scratch\nCOPY PLACEHOLDER /PLACEHOLDER\nCMD ["/PLACEHOLDER"]\n');
    await run('docker', ['build', '--quiet', '--tag', imageUri, context]);
  } finally {
    await rm(context, { recursive: true, force: true });
  }
  const auth = await ecr.send(new GetAuthorizationTokenCommand({}));
  const token = Buffer.from(auth.authorizationData![0].authorizationToken!, 'base64').toString('utf8');
  const password = token.slice(token.indexOf(':') + 1);
  await new Promise<void>((resolve, reject) => {
    // The password goes on stdin, never on the command line.
    const login = execFile('docker', ['login', '--username', 'AWS', '--password-stdin', registryHost], (error) => (error ? reject(error) : resolve()));
    login.stdin!.end(password);
  });
  await run('docker', ['push', '--quiet', imageUri]);
  console.log(`pushed  ${imageUri}`);
  return imageUri;
}

export async function provisionModel(name: string): Promise<void> {
  if (!/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(name)) {
    throw new Error(`model name "${name}" must be 3-63 lowercase letters, digits or dashes (it names an S3 bucket)`);
  }
  const region = env('AWS_REGION');
  const account = env('LOCAL_ACCOUNT_ID');
  const registryHost = env('LOCAL_REGISTRY_HOST');
  const s3 = new S3Client({ region, forcePathStyle: true });
  const ecr = new ECRClient({ region });
  const lambda = new LambdaClient({ region });
  const sfn = new SFNClient({ region });

  const functionArn = `arn:aws:lambda:${region}:${account}:function:${name}`;
  const machineArn = `arn:aws:states:${region}:${account}:stateMachine:${name}`;

  // Independent resources in parallel; the placeholder push needs the repository, the function needs the
  // image and its role, the state machine its role.
  const bucketReady = (async () => {
    try {
      await s3.send(new HeadBucketCommand({ Bucket: name }));
      console.log(`exists  S3 bucket ${name}`);
    } catch (error) {
      if (errorName(error) !== 'NotFound') throw error;
      await createUnlessExists(`S3 bucket ${name}`, () => s3.send(new CreateBucketCommand({ Bucket: name })), ['BucketAlreadyOwnedByYou']);
    }
  })();
  const repositoryReady = createUnlessExists(`ECR repository ${name}`, () => ecr.send(new CreateRepositoryCommand({ repositoryName: name })), ['RepositoryAlreadyExistsException']);
  const rolesReady = Promise.all([
    ensureRole(`${name}-lambda`, 'lambda.amazonaws.com', {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['s3:*'], Resource: [`arn:aws:s3:::${name}`, `arn:aws:s3:::${name}/*`] },
        { Effect: 'Allow', Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '*' },
      ],
    }),
    ensureRole(`${name}-sfn`, 'states.amazonaws.com', {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: ['lambda:InvokeFunction'],
          Resource: [functionArn, `${functionArn}:*`, `arn:aws:lambda:${region}:${account}:function:quetzal-api-auth*`],
        },
      ],
    }),
  ]);
  const functionMissing = lambda.send(new GetFunctionCommand({ FunctionName: name })).then(
    () => {
      console.log(`exists  Lambda function ${name}`);
      return false;
    },
    (error: unknown) => {
      if (errorName(error) !== 'ResourceNotFoundException') throw error;
      return true;
    },
  );
  const placeholderReady = Promise.all([repositoryReady, functionMissing]).then(([, missing]) =>
    missing ? pushPlaceholderImage(ecr, registryHost, name) : undefined,
  );
  const [, , [lambdaRole, sfnRole], placeholderUri] = await Promise.all([bucketReady, repositoryReady, rolesReady, placeholderReady]);

  const functionReady = (async () => {
    if (placeholderUri === undefined) return;
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: name,
        PackageType: 'Image',
        Code: { ImageUri: placeholderUri },
        Role: lambdaRole,
        Architectures: ['x86_64'],
        MemorySize: 4016,
        Timeout: 300,
        EphemeralStorage: { Size: 4016 },
        Environment: { Variables: { BUCKET_NAME: name } },
      }),
    );
    console.log(`created Lambda function ${name} (${placeholderUri})`);
  })();
  const machineReady = (async () => {
    const machines = await sfn.send(new ListStateMachinesCommand({}));
    if (machines.stateMachines?.some((m) => m.stateMachineArn === machineArn)) {
      console.log(`exists  state machine ${name}`);
      return;
    }
    await createUnlessExists(
      `state machine ${name}`,
      () => sfn.send(new CreateStateMachineCommand({ name, roleArn: sfnRole, definition: JSON.stringify(PLACEHOLDER_DEFINITION) })),
      ['StateMachineAlreadyExists'],
    );
  })();
  await Promise.all([functionReady, machineReady, provisionEcs(name, region, registryHost)]);
}

/** The ECS cluster and task-definition family terraform makes for every model (infra/modules/ecs). */
async function provisionEcs(name: string, region: string, registryHost: string): Promise<void> {
  const ecs = new ECSClient({ region });
  await ecs.send(new CreateClusterCommand({ clusterName: name }));
  const family = `${name}-task`;
  const active = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: family })).then(
    (answer) => answer.taskDefinition?.status === 'ACTIVE',
    () => false,
  );
  if (active) {
    console.log(`exists  ECS task definition ${family}`);
    return;
  }
  const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: [`arn:aws:s3:::${name}/*`] }] };
  const [executionRole, taskRole] = await Promise.all([ensureRole(`ecs-${name}-exec-role`, 'ecs-tasks.amazonaws.com', policy), ensureRole(`ecs-${name}-task-role`, 'ecs-tasks.amazonaws.com', policy)]);
  await ecs.send(
    new RegisterTaskDefinitionCommand({
      family,
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: '1024',
      memory: '4096',
      executionRoleArn: executionRole,
      taskRoleArn: taskRole,
      containerDefinitions: [
        {
          name,
          image: `${registryHost}/${name}:${PLACEHOLDER_TAG}`,
          essential: true,
          environment: [{ name: 'BUCKET_NAME', value: name }],
          logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': `/aws/ecs/${name}`, 'awslogs-region': region, 'awslogs-stream-prefix': 'ecs' } },
        },
      ],
      tags: [{ key: 'terraform', value: 'true' }],
    }),
  );
  console.log(`created ECS cluster ${name} and task definition ${family}`);
}

if (import.meta.main) {
  const name = process.argv[2];
  if (!name) {
    console.error('usage: provision.sh <model-name>');
    process.exit(2);
  }
  provisionModel(name).catch((error: unknown) => {
    console.error(`provision: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    process.exit(1);
  });
}
