import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { consoleViaServer, type Terminal } from '../../../functions/cli/access/remote-console';
import { ServerClient } from '../../../functions/cli/server-client';
import { parseConfig } from '../../../functions/core/config';
import type { Hosts } from '../../../functions/hosts/manager';
import { type LocalRuntime, openLocalRuntime } from '../../../functions/local/runtime';
import { type RunningServer, startServer } from '../../../functions/local/server';
import { silentLogger } from '../../../functions/log';
import { accessHistory } from '../../../functions/state/access';
import { issueToken } from '../../../functions/state/tokens';
import { EXAMPLE_CONFIG, SECRETS } from '../../support/http-harness';

// The relay of `console --server` on tarmac serve, with a shell standing in for the host's console command
// (the real one on real hosts: test/integration/operator-access.test.ts).
describe('console --server relay on tarmac serve', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tarmac-console-socket-'));
  let runtime: LocalRuntime;
  let server: RunningServer;
  let token: string;
  const seen: string[][] = [];
  const hosts = {
    attachArgv: async (host: string, argv: readonly string[]) => {
      seen.push([host, ...argv]);
      return [
        'sh',
        '-c',
        'stty -echo; printf "ready %s\\n" "$(stty size)"; read line; echo "got:$line"; read again; echo "now $(stty size)"; exit 3',
      ];
    },
  } as unknown as Hosts;

  beforeAll(async () => {
    const config = parseConfig(EXAMPLE_CONFIG);
    runtime = await openLocalRuntime({ dataDir: join(dir, 'data'), config, logger: silentLogger() });
    for (const [name, value] of Object.entries(SECRETS)) await runtime.adapters.secrets.set('_global', name, value);
    const clock = runtime.adapters.clock;
    token = await issueToken(runtime.adapters.secrets, clock, { name: 'ops', scope: 'deploy', environments: [] });
    const logger = silentLogger();
    server = await startServer({ config, adapters: runtime.adapters, port: 0, logger, consoleHosts: hosts });
  });
  afterAll(async () => {
    await server?.close();
    await runtime?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const terminal = () => {
    const input = Object.assign(new PassThrough(), { isTTY: false }) as unknown as NodeJS.ReadStream;
    const output = Object.assign(new PassThrough(), { columns: 100, rows: 30 }) as unknown as NodeJS.WriteStream;
    let text = '';
    let resized = false;
    output.on('data', (c: Buffer) => {
      const first = !text.includes('ready');
      text += c.toString();
      if (first && text.includes('ready')) input.write('hello-over-the-socket\r');
      if (text.includes('got:') && !resized) {
        resized = true;
        Object.assign(output, { columns: 120, rows: 40 }).emit('resize');
        input.write('\r'); // after the resize frame, on the same ordered socket
      }
    });
    return { terminal: { input, output } as Terminal, text: () => text };
  };
  const client = () => new ServerClient(server.url, token);

  it('relays bytes both ways under a pty of the given size, forwards a resize, ends with the exit status, audited by token name', async () => {
    const t = terminal();
    const ssm = vi.fn();
    const code = await consoleViaServer(client(), { app: 'hello', env: 'staging', host: 'h2' }, ssm, t.terminal);
    expect(code).toBe(3);
    expect(t.text()).toContain('ready 30 100');
    expect(t.text()).toContain('got:hello-over-the-socket');
    expect(t.text()).toContain('now 40 120'); // the window resize reached the pty
    expect(ssm).not.toHaveBeenCalled();
    expect(seen[0]?.slice(0, 2)).toEqual(['h2', 'systemd-run']);
    expect(seen[0]).toContain('remote');
    const [record] = await accessHistory(runtime.adapters.state, 'hello', 'staging');
    expect(record).toMatchObject({ host: 'h2', kind: 'console', by: 'ops', via: 'server', exitCode: 3 });
  });

  it('refuses the upgrade itself without a deploy token, for a host not in the fleet, and without Upgrade', async () => {
    const path = `${server.url}/api/apps/hello/environments/staging/console`;
    const none = await fetch(`${path}?host=h1`);
    expect(none.status).toBe(401);
    const plain = await fetch(`${path}?host=h1`, { headers: { authorization: `Bearer ${token}` } });
    expect(plain.status).toBe(426);
    const before = seen.length;
    await expect(
      consoleViaServer(client(), { app: 'hello', env: 'staging', host: 'h9' }, vi.fn(), terminal().terminal),
    ).rejects.toThrow("host h9 is not one of fleet web's (hosts: h1, h2) — pass one of them with --host");
    expect(seen.length).toBe(before);
  });
});
