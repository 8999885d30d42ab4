import { PermanentError } from './errors';

/**
 * What a release needs from a host, recorded at ingest from its native binaries (ERTS and NIFs) and its
 * `.rel` file. Releases are platform-bound: a release built on a laptop must not reach a fleet it cannot run on.
 */
export interface ReleaseNeeds {
  /** CPU architectures of its native binaries (`uname -m` names); empty when it ships none. */
  readonly architectures: readonly string[];
  /** The C library the binaries link against, when they say. */
  readonly libc?: 'glibc' | 'musl' | undefined;
  /** The highest glibc symbol version they need, e.g. `2.34`. */
  readonly glibc?: string | undefined;
  /** The release ships its own ERTS (`erts-<vsn>/`): the host needs no Erlang installed. */
  readonly ertsIncluded: boolean;
  /** The ERTS version it was built with (`{erts, "13.1.5"}` in the `.rel` file). */
  readonly erts?: string | undefined;
  /** Without ERTS: the OTP major release whose ERTS the host must provide (from the ERTS version). */
  readonly otp?: string | undefined;
  /** Native binaries read. */
  readonly binaries: number;
}

/** What a host offers: reported by the host itself (local hosts, BeforeInstall) or declared per fleet. */
export interface HostPlatform {
  readonly arch: string;
  readonly libc?: 'glibc' | 'musl' | undefined;
  readonly glibc?: string | undefined;
  /** OTP major release of the Erlang installed on the host (`erl`), if any. */
  readonly otp?: string | undefined;
  readonly source: 'reported' | 'declared';
}

/** Compare dotted versions numerically (`2.9` < `2.34`). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

/** OTP major release of an ERTS version (OTP 23 shipped ERTS 11, … OTP 28 ERTS 16; OTP 21/22 both ERTS 10). */
export function otpOfErts(erts: string): string | undefined {
  const [major, minor] = erts.split('.').map(Number);
  if (major === undefined || Number.isNaN(major) || major < 10) return undefined;
  if (major === 10) return (minor ?? 0) < 4 ? '21' : '22';
  return String(major + 12);
}

/** `uname -m` spellings of one architecture, as the ELF machine names them. */
export function normalizeArch(uname: string): string {
  if (/^i[3-6]86$/.test(uname)) return 'x86';
  if (/^armv\d/.test(uname)) return 'arm';
  if (uname === 'arm64') return 'aarch64';
  if (uname === 'amd64') return 'x86_64';
  return uname;
}

/** What the release needs, in one phrase: `aarch64, glibc ≥ 2.34, ERTS 13.1.5 included`. */
export function describeNeeds(needs: ReleaseNeeds): string {
  const parts = [
    needs.architectures.length ? needs.architectures.join('+') : 'any architecture',
    needs.libc === 'musl' ? 'musl libc' : needs.glibc ? `glibc ≥ ${needs.glibc}` : undefined,
    needs.ertsIncluded ? `ERTS ${needs.erts ?? ''} included`.replace('  ', ' ') : `OTP ${needs.otp ?? '?'} installed`,
  ];
  return parts.filter(Boolean).join(', ');
}

/** What a host offers, in one phrase: `x86_64, glibc 2.36, OTP 25`. */
export function describePlatform(host: HostPlatform): string {
  const libc = host.libc === 'musl' ? 'musl libc' : host.glibc ? `glibc ${host.glibc}` : 'no glibc found';
  return [host.arch, libc, host.otp ? `OTP ${host.otp}` : 'no Erlang/OTP'].join(', ');
}

/**
 * Why a host cannot run a release (empty: it can). Only what is known counts: a host that did not say its glibc
 * version is not refused for it (the BeforeInstall check on the host has the last word).
 */
export function incompatibilities(needs: ReleaseNeeds, host: HostPlatform): string[] {
  const reasons: string[] = [];
  const foreign = needs.architectures.filter((a) => a !== normalizeArch(host.arch));
  if (foreign.length) reasons.push(`architecture ${foreign.join('+')} ≠ ${host.arch}`);
  if (needs.libc === 'musl' && host.libc === 'glibc') reasons.push('musl libc, the host has glibc');
  if (needs.libc === 'glibc' && host.libc === 'musl') reasons.push('glibc, the host has musl libc');
  if (needs.glibc && host.libc !== 'musl' && host.glibc && compareVersions(host.glibc, needs.glibc) < 0) {
    reasons.push(`glibc ≥ ${needs.glibc}, the host has ${host.glibc}`);
  }
  if (!needs.ertsIncluded && needs.otp && host.otp !== needs.otp) {
    reasons.push(`OTP ${needs.otp} (no ERTS included), the host has ${host.otp ? `OTP ${host.otp}` : 'no Erlang/OTP'}`);
  }
  return reasons;
}

/** A deploy refused before anything was stopped: some hosts cannot run the release. */
export class IncompatibleHostsError extends PermanentError {
  constructor(
    release: string,
    needs: ReleaseNeeds,
    hosts: readonly { host: string; platform: HostPlatform; reasons: readonly string[] }[],
  ) {
    const each = hosts.map(
      (h) => `${h.host} (${h.platform.source}) has ${describePlatform(h.platform)}: ${h.reasons.join('; ')}`,
    );
    super(
      `release ${release} cannot run on ${hosts.map((h) => h.host).join(', ')} — it needs ${describeNeeds(needs)}; ${each.join('; ')} — refused before anything was stopped. Build the release on (or for) the hosts' platform`,
      { release, needs, hosts: hosts.map((h) => ({ host: h.host, platform: h.platform, reasons: h.reasons })) },
    );
    this.name = 'IncompatibleHostsError';
  }
}

/** Refuse (throw) when any of the hosts with a known platform cannot run the release. */
export function assertCompatible(
  release: string,
  needs: ReleaseNeeds | undefined,
  platforms: Readonly<Record<string, HostPlatform | undefined>>,
): void {
  if (!needs) return;
  const bad = Object.entries(platforms).flatMap(([host, platform]) => {
    const reasons = platform ? incompatibilities(needs, platform) : [];
    return platform && reasons.length ? [{ host, platform, reasons }] : [];
  });
  if (bad.length) throw new IncompatibleHostsError(release, needs, bad);
}

/** Parse `host_platform`'s `key=value` lines (bundle/templates/platform.sh); undefined without an `arch`. */
export function parsePlatformReport(
  text: string,
  source: HostPlatform['source'] = 'reported',
): HostPlatform | undefined {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const at = line.indexOf('=');
    if (at > 0 && line.slice(at + 1).trim() !== '') values.set(line.slice(0, at).trim(), line.slice(at + 1).trim());
  }
  const arch = values.get('arch');
  if (!arch) return undefined;
  const libc = values.get('libc');
  return {
    arch,
    ...(libc === 'glibc' || libc === 'musl' ? { libc } : {}),
    ...(values.get('glibc') ? { glibc: values.get('glibc') } : {}),
    ...(values.get('otp') ? { otp: values.get('otp') } : {}),
    source,
  };
}

/**
 * What each host of a fleet offers a release: what the host reported (local hosts), else what `tarmac.yml`
 * declares for its fleet (`fleets.<name>.platform`, for AWS fleets), else unknown — then BeforeInstall's check
 * on the host fails early instead.
 */
export function fleetPlatforms(
  hosts: readonly string[],
  declared: Omit<HostPlatform, 'source'> | undefined,
  reported: Readonly<Record<string, HostPlatform | undefined>>,
): Record<string, HostPlatform | undefined> {
  return Object.fromEntries(
    hosts.map((host) => [host, reported[host] ?? (declared && { ...declared, source: 'declared' as const })]),
  );
}
