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
    for (const fn of functions) {
      const asset = join(out, `asset.${fn.Properties.Code.S3Key.replace(/\.zip$/, '')}`);
      expect(readFileSync(join(asset, 'index.mjs'), 'utf8')).toMatch(/handler/);
      expect(readFileSync(join(asset, 'tarmac.yml'), 'utf8')).toBe(EXAMPLE_CONFIG);
      const shipped = readdirSync(asset, { recursive: true, encoding: 'utf8' });
      expect(shipped.filter((path) => /__pycache__|\.py[co]$/.test(path))).toEqual([]);
      const hook = join(asset, 'templates', 'hooks', 'after-install.sh');
      if (existsSync(hook)) withTemplates.push(readFileSync(hook, 'utf8'));
    }
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
