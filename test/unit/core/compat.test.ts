import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  assertCompatible,
  type HostPlatform,
  IncompatibleHostsError,
  incompatibilities,
  otpOfErts,
  parsePlatformReport,
  type ReleaseNeeds,
} from '../../../functions/core/compat';
import { instanceOf, parseConfig } from '../../../functions/core/config';
import { planDeployment } from '../../../functions/core/plans';

const X86: ReleaseNeeds = {
  architectures: ['x86_64'],
  libc: 'glibc',
  glibc: '2.34',
  ertsIncluded: true,
  erts: '13.1.5',
  binaries: 14,
};
const host = (over: Partial<HostPlatform> = {}): HostPlatform => ({
  arch: 'x86_64',
  libc: 'glibc',
  glibc: '2.36',
  otp: '25',
  source: 'reported',
  ...over,
});

describe('whether a host can run a release', () => {
  it('runs a release built for its architecture against an older glibc', () => {
    expect(incompatibilities(X86, host())).toEqual([]);
    expect(incompatibilities(X86, host({ glibc: '2.34', otp: undefined }))).toEqual([]);
  });

  it('fails on another architecture, an older glibc, or musl, saying what is needed and what the host has', () => {
    expect(incompatibilities({ ...X86, architectures: ['aarch64'] }, host())).toEqual([
      'architecture aarch64 ≠ x86_64',
    ]);
    expect(incompatibilities(X86, host({ glibc: '2.31' }))).toEqual(['glibc ≥ 2.34, the host has 2.31']);
    expect(incompatibilities(X86, host({ libc: 'musl', glibc: undefined }))).toEqual(['glibc, the host has musl libc']);
    // 2.9 < 2.34: versions compare by number, not as text.
    expect(incompatibilities({ ...X86, glibc: '2.9' }, host({ glibc: '2.34' }))).toEqual([]);
  });

  it('a release without ERTS needs the OTP major its ERTS came with', () => {
    const noErts: ReleaseNeeds = { architectures: [], ertsIncluded: false, erts: '14.2', otp: '26', binaries: 0 };
    expect(incompatibilities(noErts, host({ otp: '26' }))).toEqual([]);
    expect(incompatibilities(noErts, host({ otp: '25' }))).toEqual(['OTP 26 (no ERTS included), the host has OTP 25']);
    expect(incompatibilities(noErts, host({ otp: undefined }))).toEqual([
      'OTP 26 (no ERTS included), the host has no Erlang/OTP',
    ]);
    expect([otpOfErts('13.1.5'), otpOfErts('16.0'), otpOfErts('10.3'), otpOfErts('10.7'), otpOfErts('9.3')]).toEqual([
      '25',
      '28',
      '21',
      '22',
      undefined,
    ]);
  });

  it('refuses only hosts whose platform is known, naming every one of them', () => {
    const arm = { ...X86, architectures: ['aarch64'] };
    expect(() => assertCompatible('hello 4.0.0', arm, { h1: undefined })).not.toThrow();
    expect(() => assertCompatible('hello 4.0.0', undefined, { h1: host() })).not.toThrow();
    let error: unknown;
    try {
      assertCompatible('hello 4.0.0', arm, { h1: host(), h2: host({ source: 'declared' }) });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(IncompatibleHostsError);
    expect((error as Error).message).toBe(
      'release hello 4.0.0 cannot run on h1, h2 — it needs aarch64, glibc ≥ 2.34, ERTS 13.1.5 included; ' +
        'h1 (reported) has x86_64, glibc 2.36, OTP 25: architecture aarch64 ≠ x86_64; ' +
        'h2 (declared) has x86_64, glibc 2.36, OTP 25: architecture aarch64 ≠ x86_64 — ' +
        "refused before anything was stopped. Build the release on (or for) the hosts' platform",
    );
  });

  it('parses what host_platform prints', () => {
    expect(parsePlatformReport('arch=aarch64\nlibc=glibc\nglibc=2.36\notp=27\n')).toEqual({
      arch: 'aarch64',
      libc: 'glibc',
      glibc: '2.36',
      otp: '27',
      source: 'reported',
    });
    expect(parsePlatformReport('arch=x86_64\n')).toEqual({ arch: 'x86_64', source: 'reported' });
    expect(parsePlatformReport('bash: uname: not found\n')).toBeUndefined();
  });
});

describe('a plan for hosts that cannot run the release', () => {
  const example = readFileSync(new URL('../../../examples/tarmac.yml', import.meta.url), 'utf8');
  const SHA = 'ef'.repeat(32);
  const plan = (needs: ReleaseNeeds, platforms: Record<string, HostPlatform | undefined>, unreachable: string[] = []) =>
    planDeployment({
      instance: instanceOf(
        parseConfig(example.replace('strategy: one-at-a-time', 'strategy: all')),
        'hello',
        'staging',
      ),
      hosts: ['h1', 'h2'],
      release: { id: `4.0.0-${SHA.slice(0, 12)}`, version: '4.0.0', sha256: SHA, artifactKey: `sha256/${SHA}`, needs },
      deploymentId: 'dep-1',
      correlationId: 'corr-1',
      platforms,
      unreachable,
    });

  it('is refused when a host it would deploy to cannot run it', () => {
    expect(() => plan({ ...X86, architectures: ['aarch64'] }, { h1: host(), h2: host() })).toThrow(
      /cannot run on h1, h2 — it needs aarch64/,
    );
  });

  it('is made when every host can, and a skipped (unreachable) host is not judged', () => {
    expect(plan(X86, { h1: host(), h2: host() }).batches).toEqual([['h1', 'h2']]);
    expect(plan(X86, { h1: host(), h2: host({ arch: 'aarch64' }) }, ['h2']).skipped).toEqual(['h2']);
  });

  it('the fleet can declare its platform in tarmac.yml; a glibc written as a number is refused', () => {
    const withPlatform = example.replace(
      /fleets:\n {2}web:\n/,
      'fleets:\n  web:\n    platform: { arch: aarch64, glibc: "2.40", otp: 27 }\n',
    );
    expect(parseConfig(withPlatform).fleets.web?.platform).toEqual({
      arch: 'aarch64',
      libc: 'glibc',
      glibc: '2.40',
      otp: '27',
    });
    expect(() => parseConfig(withPlatform.replace('"2.40"', '2.40'))).toThrow(/fleets\.web\.platform\.glibc/);
  });
});
