import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { EXAMPLE_CONFIG, writeConfig } from './support';

const run = promisify(execFile);
const outDirs: string[] = [];
const outDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'tarmac-synth-'));
  outDirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of outDirs) rmSync(dir, { recursive: true, force: true });
});
const ROOT = new URL('../../../', import.meta.url).pathname;

/** `npx cdk synth` exactly as a team runs it: offline, no credentials, real esbuild bundles. */
function synth(out: string, ...extra: string[]) {
  const env = { ...process.env, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: '' };
  return run('npx', ['cdk', 'synth', '--quiet', '--no-notices', '-o', out, ...extra], {
    cwd: ROOT,
    env,
    timeout: 240_000,
    maxBuffer: 16 * 1024 * 1024,
  });
}

describe('npx cdk synth', () => {
  it('writes the template and a bundle per function with tarmac.yml beside it', { timeout: 300_000 }, async () => {
    const out = outDir();
    await synth(out);

    const templateFile = join(out, 'Tarmac.template.json');
    expect(existsSync(templateFile)).toBe(true);
    const template = JSON.parse(readFileSync(templateFile, 'utf8'));
    const functions = Object.values(
      template.Resources as Record<string, { Type: string; Properties: { Code: { S3Key: string } } }>,
    ).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(functions).toHaveLength(3);
    const withTemplates: string[] = [];
    const commonJs: string[] = [];
    for (const fn of functions) {
      const asset = join(out, `asset.${fn.Properties.Code.S3Key.replace(/\.zip$/, '')}`);
      const entry = ['index.mjs', 'index.js'].find((name) => existsSync(join(asset, name)));
      expect(readFileSync(join(asset, entry ?? 'index.mjs'), 'utf8')).toMatch(/handler/);
      if (entry === 'index.js') commonJs.push(join(asset, entry));
      expect(readFileSync(join(asset, 'tarmac.yml'), 'utf8')).toBe(EXAMPLE_CONFIG);
      const shipped = readdirSync(asset, { recursive: true, encoding: 'utf8' });
      expect(shipped.filter((path) => /__pycache__|\.py[co]$/.test(path))).toEqual([]);
      const hook = join(asset, 'templates', 'hooks', 'after-install.sh');
      if (existsSync(hook)) withTemplates.push(readFileSync(hook, 'utf8'));
    }
    // The webhook is CommonJS, so its cold start loads no AWS SDK module (each loads on first use).
    expect(commonJs).toHaveLength(1);
    const { stdout } = await run(
      process.execPath,
      [
        '-e',
        `const m = require(${JSON.stringify(commonJs[0])}); console.log(typeof m.handler, Object.keys(require.cache).filter((k) => k.includes('@aws-sdk')).length)`,
      ],
      {
        env: {
          ...process.env,
          AWS_REGION: 'eu-west-1',
          TARMAC_BUCKET: 'b',
          TARMAC_TABLE: 't',
          TARMAC_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/q.fifo',
          TARMAC_CONFIG: join(ROOT, 'examples/tarmac.yml'),
        },
      },
    );
    expect(stdout.trim()).toBe('function 0');
    // The worker renders deployment bundles at run time from templates copied beside its code.
    expect(withTemplates).toEqual([
      readFileSync(new URL('../../../functions/bundle/templates/hooks/after-install.sh', import.meta.url), 'utf8'),
    ]);
    // The built-in CloudFormation schema validation ran during synth and found nothing.
    const report = JSON.parse(readFileSync(join(out, 'validation-report.json'), 'utf8'));
    expect(report.pluginReports.flatMap((p: { violations: unknown[] }) => p.violations)).toEqual([]);
  });

  it('fails with the config error message for an invalid tarmac.yml', { timeout: 120_000 }, async () => {
    const bad = writeConfig(EXAMPLE_CONFIG.replace('release: hello', 'release: Hello'));
    const out = outDir();
    const failure = await synth(out, '-c', `tarmac:config=${bad}`).then(
      () => undefined,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(failure?.code).not.toBe(0);
    expect(failure?.stderr).toMatch(/apps\.hello\.release: must be an OTP release name/);
  });
});
