import { describe, expect, it } from 'vitest';
import { bundleFacts, secretsInput } from '../../../functions/adapters/local/local-deployer/bundle-facts';
import { parseConfig, sshHostsOf } from '../../../functions/core/config';
import { sessionArgv, targetOf } from '../../../functions/hosts/ssh/args';
import { parseJobEnd, startCommand } from '../../../functions/hosts/ssh/remote-job';
import { exampleConfigText } from '../../support/local-deploy';

const withSsh = (ssh: string, hosts = '[h1, h2]') =>
  exampleConfigText().replace('    hosts: [h1, h2]\n', `    hosts: ${hosts}\n    ssh:\n${ssh}\n`);

describe('SSH servers in tarmac.yml', () => {
  it('reads a fleet mixing a local test host and SSH servers', () => {
    const config = parseConfig(
      withSsh(
        '      web1: { address: deploy@10.0.0.5, identity_file: ~/.ssh/k }\n      web2: { address: 10.0.0.6, port: 2222 }',
        '[h1, web1, web2]',
      ),
    );
    const servers = sshHostsOf(config);
    expect([...servers.keys()]).toEqual(['web1', 'web2']);
    const web2 = targetOf(servers.get('web2') as never, {
      knownHosts: (f) => `/d/ssh/known_hosts/${f}`,
      control: '/d/ssh/ctl',
    });
    expect(web2).toMatchObject({ user: 'root', host: '10.0.0.6', port: 2222, knownHosts: ['/d/ssh/known_hosts/web'] });
  });

  it('fails on an address that could become an ssh option, naming it', () => {
    expect(() => parseConfig(withSsh('      h1: { address: -oProxyCommand=evil }'))).toThrow(
      /fleets\.web\.ssh\.h1\.address.*user@host/s,
    );
  });

  it('fails on an SSH server missing from the fleet hosts', () => {
    expect(() => parseConfig(withSsh('      web9: { address: deploy@10.0.0.9 }'))).toThrow(
      /SSH host web9 is not listed in fleets\.web\.hosts/,
    );
  });
});

describe('the ssh command line', () => {
  const target = targetOf(
    { name: 'web1', address: 'deploy@10.0.0.5', port: 22, identity_file: '/k/id', fleets: ['web'] },
    { knownHosts: (f) => `/d/ssh/known_hosts/${f}`, control: '/d/ssh/ctl' },
  );

  it('checks host keys against the pinned file only, over the master connection', () => {
    const argv = sessionArgv(target, 'CMD');
    expect(argv.slice(0, 3)).toEqual(['ssh', '-F', 'none']);
    for (const option of [
      'StrictHostKeyChecking=yes',
      'UserKnownHostsFile=/d/ssh/known_hosts/web',
      'GlobalKnownHostsFile=/dev/null',
      'BatchMode=yes',
      'ControlPath=/d/ssh/ctl/web1',
      'ControlMaster=no',
      'IdentitiesOnly=yes',
    ]) {
      expect(argv).toContain(option);
    }
    expect(argv.slice(-3)).toEqual(['--', '10.0.0.5', 'CMD']);
  });

  it('runs the runner under sudo -n for a user other than root, and quotes every word', () => {
    const command = startCommand({
      user: 'deploy',
      jobId: 'j1',
      timeoutSec: 5,
      graceSec: 2,
      env: { A: "it's" },
      argv: ['bash', 'x.sh'],
    });
    expect(command.startsWith("'sudo' '-n' '--' '/bin/bash' '-c' ")).toBe(true);
    expect(command).toContain(`'A=it'\\''s'`);
    expect(
      command.endsWith(
        "'start' 'j1' '5' '2' 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' 'A=it'\\''s' 'bash' 'x.sh'",
      ),
    ).toBe(true);
    expect(
      startCommand({ user: 'root', jobId: 'j', timeoutSec: 1, graceSec: 1, env: {}, argv: ['true'] }),
    ).not.toContain('sudo');
  });

  it('tells a job that ended from a lost connection and from a job never started', () => {
    expect(parseJobEnd('warn\n\ntarmac-job-status 3 12\n')).toEqual({
      kind: 'ended',
      code: 3,
      seconds: 12,
      stderr: 'warn',
    });
    expect(parseJobEnd('Connection to 10.0.0.5 closed by remote host.\n')).toEqual({ kind: 'lost' });
    expect(parseJobEnd('\ntarmac-job-unknown\n')).toEqual({ kind: 'unknown' });
  });
});

describe('what the deployer reads from a bundle', () => {
  it('knows secrets go on stdin and the deployer holds a fleet-wide migration lock', () => {
    const env =
      "TARMAC_DEPLOYMENT_ID='d1'\nTARMAC_SECRETS_KIND='stdin'\nTARMAC_SECRETS_PATH='/tarmac/hello/staging/'\nTARMAC_LOCK_KIND='tarmac'\nTARMAC_MIGRATE='Hello.Release.migrate()'\nTARMAC_MIGRATE_SCOPE='fleet'\n";
    expect(bundleFacts(env)).toEqual({
      deploymentId: 'd1',
      secretsKind: 'stdin',
      secretsPath: '/tarmac/hello/staging/',
      coordinatedMigration: true,
    });
    expect(bundleFacts(env.replace("'fleet'", "'host'")).coordinatedMigration).toBe(false);
    expect(JSON.parse(secretsInput('/tarmac/hello/staging/', { a: "x'y" }))).toEqual({
      Parameters: [{ Name: '/tarmac/hello/staging/a', Value: "x'y" }],
    });
  });
});
