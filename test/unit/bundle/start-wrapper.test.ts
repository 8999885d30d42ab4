import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderBundle } from '../../../functions/bundle/render';
import { renderInput } from './fixture';

const scratch = mkdtempSync(join(tmpdir(), 'tarmac-wrapper-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the start wrapper', () => {
  it('turns credentials into environment variables and the cookie into a 0400 cookie file, then execs the release', () => {
    const wrapper = renderBundle(renderInput()).find((f) => f.path === 'tarmac/tarmac-start');
    writeFileSync(join(scratch, 'tarmac-start'), wrapper?.content ?? '', { mode: 0o755 });
    // A fake release whose bin/hello prints what it was given.
    mkdirSync(join(scratch, 'release/bin'), { recursive: true });
    const fake =
      '#!/bin/bash\nprintf "%s|" "$@"; printf "%s|" "$HOME" "$RELEASE_COOKIE" "$SECRET_KEY_BASE" "$DATABASE_PASSWORD"\n';
    writeFileSync(join(scratch, 'release/bin/hello'), fake, { mode: 0o755 });
    mkdirSync(join(scratch, 'creds'));
    mkdirSync(join(scratch, 'state'));
    writeFileSync(join(scratch, 'creds/erlang_cookie'), 'cookie-value\n');
    writeFileSync(join(scratch, 'creds/secret_key_base'), 'skb value\twith tab');
    writeFileSync(join(scratch, 'creds/database_password'), "pa$$'word\n");
    const state = join(scratch, 'state');
    const run = () =>
      spawnSync(
        join(scratch, 'tarmac-start'),
        ['--release-dir', join(scratch, 'release'), 'eval', 'Hello.Release.migrate()'],
        {
          encoding: 'utf8',
          env: { PATH: process.env.PATH, CREDENTIALS_DIRECTORY: join(scratch, 'creds'), STATE_DIRECTORY: state },
        },
      );
    const result = run();
    expect(result.stderr).toBe('');
    // bin/hello passes RELEASE_COOKIE as `--cookie`: it holds a flag, never the cookie.
    expect(result.stdout).toBe(
      `eval|Hello.Release.migrate()|${state}|-tarmac_cookie_file|skb value\twith tab|pa$$'word|`,
    );
    expect(readFileSync(join(state, '.erlang.cookie'), 'utf8')).toBe('cookie-value');
    expect(statSync(join(state, '.erlang.cookie')).mode & 0o777).toBe(0o400);
    // A new cookie (rotation) replaces the read-only file on the next start.
    writeFileSync(join(scratch, 'creds/erlang_cookie'), 'rotated');
    expect(run().status).toBe(0);
    expect(readFileSync(join(state, '.erlang.cookie'), 'utf8')).toBe('rotated');
  });
});
