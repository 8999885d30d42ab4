import { describe, expect, it } from 'vitest';
import { journalArgv, releaseCommandArgv, sessionUnit } from '../../../functions/bundle/operator-commands';
import { instanceOf } from '../../../functions/core/config';
import { exampleConfig } from '../../support/local-deploy';

const staging = instanceOf(exampleConfig(), 'hello', 'staging');

describe('what logs, eval and console run on a host', () => {
  it("reads the unit's journal in short-unix with its cursor, for the last N entries or a time window", () => {
    expect(journalArgv(staging, { lines: 50 })).toEqual([
      'journalctl',
      '--unit=tarmac-hello-staging.service',
      '--output=short-unix',
      '--no-pager',
      '--quiet',
      '--show-cursor',
      '--lines=50',
    ]);
    expect(journalArgv(staging, { since: 100.7, until: 200.2 }).slice(6)).toEqual(['--since=@100', '--until=@201']);
    expect(journalArgv(staging, { afterCursor: 's=a;i=1' }).slice(6)).toEqual(['--after-cursor=s=a;i=1']);
  });

  it('runs rpc as a transient unit with the service user, credentials, environment and a runtime dir of its own', () => {
    const argv = releaseCommandArgv(staging, { kind: 'rpc', expression: 'IO.puts(node())' }, 'ab12');
    expect(argv.slice(0, 7)).toEqual([
      'systemd-run',
      '--quiet',
      '--wait',
      '--collect',
      '--service-type=exec',
      '--pipe',
      '--unit=tarmac-hello-staging-rpc-ab12',
    ]);
    const props = argv.flatMap((a, i) => (argv[i - 1] === '-p' ? [a] : []));
    expect(props).toEqual(
      expect.arrayContaining([
        'User=tarmac_hello_staging',
        'StateDirectory=tarmac/hello/staging',
        'RuntimeDirectory=tarmac-hello-staging-rpc-ab12',
        'LoadCredential=erlang_cookie:/etc/tarmac/hello-staging/credentials/erlang_cookie',
        'LoadCredential=secret_key_base:/etc/tarmac/hello-staging/credentials/secret_key_base',
        'LoadCredential=database_password:/etc/tarmac/hello-staging/credentials/database_password',
        'Environment="RELEASE_NODE=hello_staging"',
        'Environment="POOL_SIZE=5"',
        'Environment=RELEASE_TMP=/run/tarmac-hello-staging-rpc-ab12',
      ]),
    );
    // The service's own runtime directory is never the session's: systemd removes it when the session ends.
    expect(props).not.toContain('RuntimeDirectory=tarmac-hello-staging');
    expect(argv.slice(-3)).toEqual(['/opt/tarmac/hello/staging/bin/tarmac-start', 'rpc', 'IO.puts(node())']);
  });

  it('doubles every $ so the service manager hands the expression over unchanged', () => {
    const argv = releaseCommandArgv(staging, { kind: 'rpc', expression: 'IO.puts("$HOME $$ $1")' }, 's');
    expect(argv.at(-1)).toBe('IO.puts("$$HOME $$$$ $$1")');
  });

  it('gives remote a terminal', () => {
    const argv = releaseCommandArgv(staging, { kind: 'remote' }, 'cd34');
    expect(argv).toContain('--pty');
    expect(argv).not.toContain('--pipe');
    expect(argv.slice(-2)).toEqual(['/opt/tarmac/hello/staging/bin/tarmac-start', 'remote']);
    expect(sessionUnit(staging, 'remote', 'cd34')).toBe('tarmac-hello-staging-remote-cd34');
  });
});
