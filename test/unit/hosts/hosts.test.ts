import { describe, expect, it } from 'vitest';
import { parseAppspec } from '../../../functions/adapters/local/local-deployer/appspec';
import { localBundleTargets } from '../../../functions/adapters/local/local-deployer/paths';
import { bootScript, MASKED_UNITS } from '../../../functions/hosts/boot';
import { execArgv } from '../../../functions/hosts/exec';
import { hostSet, machineName } from '../../../functions/hosts/manager';
import { run, tail } from '../../../functions/hosts/run';

describe('host commands as data', () => {
  it('runs commands inside a host through nsenter with only the given environment', () => {
    expect(execArgv({ pid1: 42 }, ['bash', 'hook.sh'], { LIFECYCLE_EVENT: 'BeforeInstall' })).toEqual([
      'nsenter',
      '-t',
      '42',
      '-a',
      '--',
      '/usr/bin/env',
      '-i',
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      'LIFECYCLE_EVENT=BeforeInstall',
      'bash',
      'hook.sh',
    ]);
  });

  it('boots on a tmpfs-backed overlay of / and never on the machine root', () => {
    const script = bootScript({ name: 'h1', machine: 's3h1', dir: '/data/hosts/h1', sharedDir: '/data/hosts/shared' });
    expect(script).toContain(`mount -t tmpfs -o size=2g,mode=0755 tmpfs "$H"`);
    expect(script).toContain('lowerdir=/,upperdir="$H/upper"');
    expect(script).toContain(`echo 'h1' > "$H/upper/etc/hostname"`);
    expect(script).toContain(`-D "$H/root" -M 's3h1'`);
    expect(script).toContain(`--bind='/data/hosts/shared':/var/lib/tarmac-agent/shared`);
    expect(script.indexOf('/etc/hostname')).toBeLessThan(script.indexOf('systemd-nspawn'));
    expect(MASKED_UNITS).toContain('postgresql.service');
  });
});

describe('host sets', () => {
  it('keep names and give each set its own containers', () => {
    expect(machineName(0, 1)).toBe('h1');
    expect(machineName(3, 2)).toBe('s3h2');
    expect(hostSet(4)).toBe(4);
    expect(() => hostSet(41)).toThrow(/host set must be an integer from 0 to 40 \(given 41\)/);
  });
});

describe('run', () => {
  it('kills the whole process group past the timeout', async () => {
    const result = await run(['sh', '-c', 'sleep 30 & sleep 30; echo never'], { timeoutMs: 200, killGraceMs: 200 });
    expect(result).toMatchObject({ timedOut: true, stdout: '' });
  });

  it('gives a command without input /dev/null as stdin (bash on a socket would source ~/.bashrc), and input through a pipe', async () => {
    const probe = 'if [ -S /dev/stdin ]; then echo socket; else readlink -f /dev/stdin; fi; cat';
    const quiet = await run(['bash', '-c', probe]);
    expect(quiet.stdout).toBe('/dev/null\n');
    const fed = await run(['bash', '-c', probe], { input: 'secret on stdin\n' });
    expect(fed.stdout).toBe('socket\nsecret on stdin\n');
  });

  it('keeps the tail of the output', async () => {
    const result = await run(['sh', '-c', 'for i in 1 2 3 4 5; do echo line$i; done; exit 3']);
    expect(result.code).toBe(3);
    expect(tail(result.output, 2)).toBe('line4\nline5');
  });
});

describe('appspec for the local deployer', () => {
  it('reads each event’s scripts and timeouts', () => {
    const text = 'version: 0.0\nos: linux\nhooks:\n  BeforeInstall:\n    - location: hooks/b.sh\n      timeout: 300\n';
    expect(parseAppspec(text)).toEqual({ BeforeInstall: [{ location: 'hooks/b.sh', timeoutSec: 300 }] });
  });

  it('fails on a hook location outside the bundle', () => {
    const text = 'hooks:\n  BeforeInstall:\n    - location: ../../etc/x.sh\n';
    expect(() => parseAppspec(text)).toThrow('must be a path inside the bundle');
  });

  it('points bundles at the release it uploads to each host, secrets on stdin and the lock it holds', () => {
    expect(localBundleTargets('hello', 'staging', 'ab12')).toEqual({
      releaseUrl: 'file:///var/lib/tarmac-agent/releases/ab12.tar.gz',
      secretsSource: { kind: 'stdin', path: '/tarmac/hello/staging/' },
      migrationLock: { kind: 'tarmac', path: '/var/lib/tarmac-agent/migrations' },
    });
  });
});
