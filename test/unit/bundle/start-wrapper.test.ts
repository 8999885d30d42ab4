import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderBundle } from '../../../functions/bundle/render';
import { renderInput } from './fixture';

const scratch = mkdtempSync(join(tmpdir(), 'tarmac-wrapper-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the start wrapper', () => {
  it('turns credentials into environment variables and execs the release with its arguments', () => {
    const wrapper = renderBundle(renderInput()).find((f) => f.path === 'tarmac/tarmac-start');
    writeFileSync(join(scratch, 'tarmac-start'), wrapper?.content ?? '', { mode: 0o755 });
    // A fake release whose bin/hello prints what it was given.
    mkdirSync(join(scratch, 'release/bin'), { recursive: true });
    const fake =
      '#!/bin/bash\nprintf "%s|" "$@"; printf "%s|" "$RELEASE_COOKIE" "$SECRET_KEY_BASE" "$DATABASE_PASSWORD"\n';
    writeFileSync(join(scratch, 'release/bin/hello'), fake, { mode: 0o755 });
    mkdirSync(join(scratch, 'creds'));
    writeFileSync(join(scratch, 'creds/erlang_cookie'), 'cookie-value');
    writeFileSync(join(scratch, 'creds/secret_key_base'), 'skb value\twith tab');
    writeFileSync(join(scratch, 'creds/database_password'), "pa$$'word\n");
    const result = spawnSync(
      join(scratch, 'tarmac-start'),
      ['--release-dir', join(scratch, 'release'), 'eval', 'Hello.Release.migrate()'],
      { encoding: 'utf8', env: { PATH: process.env.PATH, CREDENTIALS_DIRECTORY: join(scratch, 'creds') } },
    );
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe("eval|Hello.Release.migrate()|cookie-value|skb value\twith tab|pa$$'word|");
  });
});
