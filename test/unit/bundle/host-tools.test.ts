import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderBundle } from '../../../functions/bundle/render';
import { packBundle, writeBundle } from '../../../functions/bundle/write';
import { renderInput } from './fixture';

const scratch = mkdtempSync(join(tmpdir(), 'tarmac-bundle-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the rendered bundle, checked by the tools hosts use', () => {
  it('passes shellcheck on every hook, the library, the lock, the database provisioning, the wrapper and instance.env', async () => {
    const dir = join(scratch, 'shellcheck');
    await writeBundle(dir, renderBundle(renderInput({ secretsSource: { kind: 'dir', path: '/srv/secrets' } })));
    const scripts = [
      ...readdirSync(join(dir, 'hooks')).map((f) => `hooks/${f}`),
      'tarmac/lib.sh',
      'tarmac/lock.sh',
      'tarmac/database.sh',
      'tarmac/bake.sh',
      'tarmac/database-server.sh',
      'tarmac/nginx.sh',
      'tarmac/slots.sh',
      'tarmac/tarmac-start',
      'tarmac/instance.env',
      'tarmac/platform.sh',
      'tarmac/needs.env',
    ];
    expect(scripts).toHaveLength(16);
    // -x follows `source` (the directives point at SCRIPTDIR/../tarmac/…), so variables crossing files count.
    const result = spawnSync('shellcheck', ['-x', '--severity=style', ...scripts], { cwd: dir, encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('passes systemd-analyze verify on the unit', async () => {
    // verify resolves ExecStart= and the unit's dependencies (sysinit.target, …) on the file system, so it runs
    // against a throwaway root: the system's own unit directory copied in, the unit where AfterInstall puts it,
    // and a dummy executable at the start wrapper's path. Nothing outside the temp dir is touched.
    const root = join(scratch, 'root');
    const input = renderInput();
    const unit = renderBundle(input).find((f) => f.path === `tarmac/${input.instance.unit}`);
    mkdirSync(join(root, 'usr/lib/systemd'), { recursive: true });
    cpSync('/usr/lib/systemd/system', join(root, 'usr/lib/systemd/system'), { recursive: true });
    mkdirSync(join(root, 'etc/systemd/system'), { recursive: true });
    writeFileSync(join(root, 'etc/systemd/system', input.instance.unit), unit?.content ?? '');
    mkdirSync(join(root, input.instance.root, 'bin'), { recursive: true });
    writeFileSync(join(root, input.instance.root, 'bin/tarmac-start'), '#!/bin/sh\n', { mode: 0o755 });
    const result = spawnSync('systemd-analyze', ['verify', `--root=${root}`, input.instance.unit], {
      encoding: 'utf8',
    });
    expect(result.stderr).toBe(''); // warnings (unknown keys, bad values) do not change the exit status
    expect(result.status).toBe(0);
  });

  it('writes files with their modes, and packs the same bytes every time into a tarball GNU tar reads', async () => {
    const files = renderBundle(renderInput());
    const dir = join(scratch, 'written');
    await writeBundle(dir, files);
    expect(statSync(join(dir, 'hooks/after-install.sh')).mode & 0o777).toBe(0o755);
    expect(statSync(join(dir, 'tarmac/instance.env')).mode & 0o777).toBe(0o644);

    const pack = async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of packBundle(files)) chunks.push(Buffer.from(chunk as Uint8Array));
      return Buffer.concat(chunks);
    };
    const [first, second] = [await pack(), await pack()];
    expect(first.equals(second)).toBe(true);
    writeFileSync(join(scratch, 'bundle.tgz'), first);
    const listing = execFileSync('tar', ['-tvzf', join(scratch, 'bundle.tgz')], { encoding: 'utf8' });
    expect(listing).toMatch(/^-rwxr-xr-x root\/root .* hooks\/application-start\.sh$/m);
    expect(listing).toMatch(/^-rw-r--r-- root\/root .* appspec\.yml$/m);
    expect(listing.trim().split('\n')).toHaveLength(files.length + 2); // + hooks/ and tarmac/
  });
});
