import { join } from 'node:path';
import { type Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { acknowledge, managedPolicyFinding } from './nag';

/** Defines `require` in an ESM bundle, for dependencies that still call it (bench/webhook.ts uses the same). */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __tarmacRequire } from 'node:module'; const require = __tarmacRequire(import.meta.url);";

/** Where the bundled tarmac.yml sits inside every function (Lambda unpacks code to /var/task). */
export const BUNDLED_CONFIG_PATH = '/var/task/tarmac.yml';

export interface TarmacFunctionProps {
  /** Repository root: holds package-lock.json and `functions/`. */
  readonly projectRoot: string;
  /** Handler file relative to `projectRoot`, e.g. `functions/handlers/webhook.ts`; it exports `handler`. */
  readonly entry: string;
  /** Absolute path of the tarmac.yml copied next to the bundle. */
  readonly configFile: string;
  readonly description: string;
  readonly timeout: Duration;
  /** @default 256 */
  readonly memorySize?: number;
  /** Environment besides `TARMAC_CONFIG`. */
  readonly environment: Readonly<Record<string, string>>;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** Where asynchronous invocations that fail every retry go. @default none */
  readonly deadLetterQueue?: IQueue;
  /**
   * Directories (relative to `projectRoot`) copied next to the bundle, for code that reads files beside
   * itself at run time — the worker renders deployment bundles from `functions/bundle/templates`.
   * @default none
   */
  readonly copyDirectories?: readonly { readonly from: string; readonly to: string }[];
  /**
   * Module format of the bundle. CommonJS keeps the AWS SDK (external: Lambda's runtime provides it) lazy: a
   * `require` inside a module reached through `import()` runs only when that module does, where an ESM bundle
   * hoists every SDK import to its top and loads them all at cold start. ESM is needed for top-level `await`.
   * @default OutputFormat.ESM
   */
  readonly format?: OutputFormat;
}

/** What every tarmac function shares: where the code and config are, and the stack's environment. */
export type TarmacFunctionBase = Pick<
  TarmacFunctionProps,
  'projectRoot' | 'configFile' | 'environment' | 'logRetention'
>;

/** Only the shared fields of `props`, so a construct's own props never leak into the function's. */
export function baseOf(props: TarmacFunctionBase): TarmacFunctionBase {
  const { projectRoot, configFile, environment, logRetention } = props;
  return { projectRoot, configFile, environment, logRetention };
}

/**
 * A tarmac Lambda function: Node 22 on arm64, an ESM bundle built by esbuild (minified, with source maps),
 * the deployment's tarmac.yml copied beside it, and a log group with a retention.
 */
export function tarmacFunction(scope: Construct, id: string, props: TarmacFunctionProps): NodejsFunction {
  const logGroup = new LogGroup(scope, `${id}Logs`, {
    retention: props.logRetention ?? RetentionDays.ONE_MONTH,
    // Logs are diagnostics, not data: they go with the stack.
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const fn = new NodejsFunction(scope, id, {
    entry: join(props.projectRoot, props.entry),
    handler: 'handler',
    projectRoot: props.projectRoot,
    depsLockFilePath: join(props.projectRoot, 'package-lock.json'),
    runtime: Runtime.NODEJS_22_X,
    architecture: Architecture.ARM_64,
    description: props.description,
    memorySize: props.memorySize ?? 256,
    timeout: props.timeout,
    logGroup,
    deadLetterQueue: props.deadLetterQueue,
    environment: {
      ...props.environment,
      TARMAC_CONFIG: BUNDLED_CONFIG_PATH,
      NODE_OPTIONS: '--enable-source-maps',
    },
    bundling: {
      minify: true,
      sourceMap: true,
      format: props.format ?? OutputFormat.ESM,
      target: 'node22',
      mainFields: ['module', 'main'],
      // Some dependencies still call require(); ESM bundles need one defined.
      ...((props.format ?? OutputFormat.ESM) === OutputFormat.ESM ? { banner: ESM_REQUIRE_BANNER } : {}),
      commandHooks: {
        beforeBundling: () => [],
        beforeInstall: () => [],
        afterBundling: (_input: string, output: string) => [
          `cp ${shellQuote(props.configFile)} ${shellQuote(join(output, 'tarmac.yml'))}`,
          ...(props.copyDirectories ?? []).map(({ from, to }) =>
            copyDirectoryCommand(join(props.projectRoot, from), join(output, to)),
          ),
        ],
      },
    },
  });
  acknowledge(fn, 'IAM4', 'AWSLambdaBasicExecutionRole only lets the function write its own CloudWatch logs.', [
    managedPolicyFinding('service-role/AWSLambdaBasicExecutionRole'),
  ]);
  acknowledge(
    fn,
    'L1',
    'tarmac pins Node.js 22, the LTS its code and tests target; moving to a newer runtime is a deliberate change.',
  );
  return fn;
}

/**
 * The shell command that copies a directory into a function's asset, leaving out Python's bytecode caches
 * (`__pycache__/`, `*.pyc`): running a template's Python locally leaves them beside it, and they must not ship.
 */
export function copyDirectoryCommand(from: string, to: string): string {
  const target = shellQuote(to);
  return `cp -R ${shellQuote(from)} ${target} && find ${target} \\( -name __pycache__ -o -name '*.pyc' \\) -prune -exec rm -rf -- {} +`;
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}
