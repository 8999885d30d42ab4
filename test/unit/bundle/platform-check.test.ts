import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderBundle } from '../../../functions/bundle/render';
import { writeBundle } from '../../../functions/bundle/write';
import { parsePlatformReport, type ReleaseNeeds } from '../../../functions/core/compat';
import { HOST_PLATFORM_PROBE } from '../../../functions/core/platform-probe';
import { renderInput } from './fixture';

// BeforeInstall's platform check as rendered, run by bash on this machine with the hook's own prelude (lib.sh,
// platform.sh, needs.env). It only reads (uname, getconf, the erl on PATH); nothing is written outside the temp dir.
const scratch = mkdtempSync(join(tmpdir(), 'tarmac-platform-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const uname = execFileSync('uname', ['-m'], { encoding: 'utf8' }).trim();
const glibc = execFileSync('getconf', ['GNU_LIBC_VERSION'], { encoding: 'utf8' }).trim().replace('glibc ', '');
const other = uname === 'aarch64' ? 'x86_64' : 'aarch64';

async function check(needs: ReleaseNeeds | undefined) {
  const input = renderInput();
  const dir = mkdtempSync(join(scratch, 'bundle-'));
  await writeBundle(
    dir,
    renderBundle({ ...input, plan: { ...input.plan, release: { ...input.plan.release, needs } } }),
  );
  // The BeforeInstall prelude, then only the check (the rest of the hook creates users and directories).
  const driver = join(dir, 'hooks/platform-only.sh');
  writeFileSync(
    driver,
    'set -euo pipefail\nTARMAC_EVENT=BeforeInstall\n. "$(dirname "$0")/../tarmac/lib.sh"\n' +
      '. "$TARMAC_BUNDLE/tarmac/platform.sh"\n. "$TARMAC_BUNDLE/tarmac/needs.env"\ncheck_platform\n',
  );
  const result = spawnSync('bash', [driver], { encoding: 'utf8' });
  return { status: result.status, output: result.stdout + result.stderr };
}

const needs = (over: Partial<ReleaseNeeds>): ReleaseNeeds => ({
  architectures: [uname],
  libc: 'glibc',
  glibc: '2.17',
  ertsIncluded: true,
  erts: '13.1.5',
  binaries: 3,
  ...over,
});

describe('BeforeInstall: can this host run the release?', () => {
  it('passes a release built for this machine and says what it checked', async () => {
    const { status, output } = await check(needs({}));
    expect(output).toContain(`platform ok: the release needs ${uname}, glibc ≥ 2.17, ERTS 13.1.5 included`);
    expect(status).toBe(0);
  });

  it('fails early on another architecture, naming what the release needs and what the host has', async () => {
    const { status, output } = await check(needs({ architectures: [other] }));
    expect(output).toContain(`FAILED: this host cannot run release 1.4.2-abababababab — it needs ${other}`);
    expect(output).toContain(`this host has ${uname}, glibc ${glibc}`);
    expect(output).toContain(`architecture ${other} ≠ ${uname}`);
    expect(status).toBe(1);
  });

  it('fails on a newer glibc than the host has, and on a missing OTP for a release without ERTS', async () => {
    const newer = await check(needs({ glibc: '99.1' }));
    expect(newer.output).toContain(`glibc ≥ 99.1, the host has ${glibc}`);
    expect(newer.status).toBe(1);
    const noErts = await check(needs({ architectures: [], ertsIncluded: false, erts: '5.0', otp: '17' }));
    expect(noErts.output).toMatch(/OTP 17 \(no ERTS included\), the host has (OTP \d+|no Erlang\/OTP)/);
    expect(noErts.status).toBe(1);
  });

  it('checks nothing for a release recorded before its needs were read', async () => {
    const { status, output } = await check(undefined);
    expect(output).toContain('platform ok: the release needs nothing recorded');
    expect(status).toBe(0);
  });

  it('host_platform reports what uname and getconf say (what local hosts tell tarmac)', () => {
    const out = execFileSync('bash', ['-c', `${HOST_PLATFORM_PROBE}\nhost_platform`], { encoding: 'utf8' });
    expect(parsePlatformReport(out)).toMatchObject({ arch: uname, libc: 'glibc', glibc });
  });
});
