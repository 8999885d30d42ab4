import { describeNeeds } from '../core/compat';
import { HOST_PLATFORM_PROBE } from '../core/platform-probe';
import { bashQuote } from './quote';
import { template } from './templates';
import type { RenderInput } from './types';

/**
 * `tarmac/needs.env`: what the release needs from a host, for BeforeInstall's `check_platform`
 * (templates/platform.sh). A release recorded before tarmac read its needs gets empty values: nothing is checked.
 */
export function renderNeedsEnv(input: RenderInput): string {
  const needs = input.plan.release.needs;
  const values: [string, string][] = [
    ['TARMAC_NEEDS_ARCHITECTURES', needs?.architectures.join(' ') ?? ''],
    ['TARMAC_NEEDS_LIBC', needs?.libc ?? ''],
    ['TARMAC_NEEDS_GLIBC', needs?.glibc ?? ''],
    ['TARMAC_NEEDS_OTP', needs && !needs.ertsIncluded ? (needs.otp ?? '') : ''],
    ['TARMAC_NEEDS_DESCRIPTION', needs ? describeNeeds(needs) : ''],
  ];
  return `# shellcheck shell=bash disable=SC2034
# Rendered by tarmac: what release ${input.plan.release.id} needs from a host (read from it at ingest).
${values.map(([k, v]) => `${k}=${bashQuote(v)}`).join('\n')}
`;
}

/** `tarmac/platform.sh`: the host probe local hosts also run (core/platform-probe.ts), then BeforeInstall's check. */
export function renderPlatformScript(): string {
  return template('platform.sh').replace(/^# @HOST_PLATFORM_PROBE@.*\n/m, HOST_PLATFORM_PROBE);
}
