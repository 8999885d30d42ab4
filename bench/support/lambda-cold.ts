/**
 * The webhook Lambda's bundle and cold import, for bench/webhook.ts: bundled with esbuild exactly as
 * lib/constructs (NodejsFunction) bundles it — CommonJS, minified, node22, `module` before `main`, the AWS SDK
 * external (Lambda's runtime provides it, resolved here from node_modules) — and, in the same run, the ESM
 * bundle it was before (every SDK import hoisted to the top, so all of them load at cold start) and the SDK
 * packages alone. Cold import: median wall time of `require`/`import()` of the bundle in 10 fresh processes.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { build } from 'esbuild';

const ROOT = new URL('../..', import.meta.url).pathname;
// As lib/constructs/tarmac-function.ts ESM_REQUIRE_BANNER (not imported: that would load aws-cdk-lib here).
const ESM_BANNER =
  "import { createRequire as __tarmacRequire } from 'node:module'; const require = __tarmacRequire(import.meta.url);";
const SDK_PACKAGES = [
  '@aws-sdk/client-dynamodb',
  '@aws-sdk/client-sqs',
  '@aws-sdk/client-ssm',
  '@aws-sdk/lib-dynamodb',
];

export interface ColdImport {
  readonly medianMs: number;
  readonly runs: number[];
}

/** Median of 10 fresh `node` processes each timing `load` (an expression returning a promise). */
function coldImport(work: string, name: string, load: string, env: NodeJS.ProcessEnv): ColdImport {
  const probe = join(work, `${name}.cjs`);
  writeFileSync(
    probe,
    `const t = performance.now(); Promise.resolve(${load}).then(() => process.stdout.write(String(performance.now() - t)));`,
  );
  const runs: number[] = [];
  for (let i = 0; i < 10; i++)
    runs.push(Number(execFileSync(process.execPath, [probe], { env, encoding: 'utf8', cwd: ROOT })));
  const sorted = [...runs].sort((a, b) => a - b);
  return { medianMs: ((sorted[4] ?? 0) + (sorted[5] ?? 0)) / 2, runs };
}

async function bundle(outfile: string, format: 'cjs' | 'esm'): Promise<string> {
  await build({
    entryPoints: [join(ROOT, 'functions/handlers/webhook.ts')],
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node22',
    format,
    mainFields: ['module', 'main'],
    external: ['@aws-sdk/*'],
    ...(format === 'esm' ? { banner: { js: ESM_BANNER } } : {}),
    outfile,
    logLevel: 'error',
  });
  return outfile;
}

/** Build both bundles and time their cold imports, and the SDK clients a push needs, in one run. */
export async function lambdaFigures(work: string) {
  // Inside the repository, so the external @aws-sdk/* resolve from node_modules as they do on Lambda's runtime.
  const outDir = join(ROOT, 'node_modules', '.cache', 'tarmac-bench');
  mkdirSync(outDir, { recursive: true });
  const cjs = await bundle(join(outDir, 'webhook.cjs'), 'cjs');
  const esm = await bundle(join(outDir, 'webhook.mjs'), 'esm');
  const env = {
    ...process.env,
    AWS_REGION: 'eu-west-1',
    TARMAC_BUCKET: 'bench-bucket',
    TARMAC_TABLE: 'bench-table',
    TARMAC_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/tarmac.fifo',
    TARMAC_CONFIG: join(ROOT, 'examples/tarmac.yml'),
  };
  const resolve = createRequire(import.meta.url).resolve;
  const sdk = SDK_PACKAGES.map((pkg) => `require(${JSON.stringify(resolve(pkg))})`).join(', ');
  return {
    bytes: statSync(cjs).size,
    cold: coldImport(work, 'cjs', `require(${JSON.stringify(cjs)})`, env),
    esmBytes: statSync(esm).size,
    esmCold: coldImport(work, 'esm', `import(${JSON.stringify(esm)})`, env),
    sdkOnly: coldImport(work, 'sdk', `[${sdk}]`, env),
  };
}
