import { spawnSync } from 'node:child_process';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, redactSecrets } from '../../functions/log';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).trim().split('\n')) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: createLogger({ destination }) };
}

describe('log redaction', () => {
  it('replaces secret-named values at depth 1 to 3, in log objects and child bindings', () => {
    const { lines, logger } = capture();
    const child = logger.child({ correlationId: 'c-1', token: 'bound-secret' });
    child.info({ password: 'p1', deploy: { secret: 's2', app: 'hello', env: { cookie: 'c3' } } }, 'hello');
    const [line] = lines;
    expect(line).toMatchObject({
      correlationId: 'c-1',
      token: '[redacted]',
      password: '[redacted]',
      deploy: { secret: '[redacted]', app: 'hello', env: { cookie: '[redacted]' } },
      msg: 'hello',
    });
    expect(JSON.stringify(lines)).not.toMatch(/bound-secret|p1|s2|c3/);
  });

  it('leaves the caller’s object untouched and returns it as is when nothing is secret', () => {
    const plain = { app: 'hello', nested: { list: [{ port: 4000 }] } };
    expect(redactSecrets(plain)).toBe(plain);
    const withSecret = { nested: { value: 'v' } };
    expect(redactSecrets(withSecret)).toEqual({ nested: { value: '[redacted]' } });
    expect(withSecret.nested.value).toBe('v');
  });

  it('redacts inside arrays as pino’s wildcards did (list.0.secret)', () => {
    expect(redactSecrets({ list: [{ secret: 'x', name: 'a' }] })).toEqual({
      list: [{ secret: '[redacted]', name: 'a' }],
    });
  });
});

describe('the background stderr logger (tarmac serve)', () => {
  it('writes every line, one JSON event each, even when the process exits right after logging', () => {
    const script = `
      import { createLogger } from './functions/log.ts';
      const log = createLogger({ sync: false }).child({ correlationId: 'c-9' });
      for (let i = 0; i < 2000; i++) log.info({ i, token: 'never-logged' }, 'line');
      process.exit(3);
    `;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: new URL('../..', import.meta.url).pathname,
      encoding: 'utf8',
    });
    expect(run.status).toBe(3);
    const lines = run.stderr
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => line.i)).toEqual([...Array(2000).keys()]);
    expect(lines[1999]).toMatchObject({ correlationId: 'c-9', token: '[redacted]', msg: 'line' });
  });
});
