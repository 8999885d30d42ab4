import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GroupCommit } from '../../../../functions/adapters/local/group-commit';
import { openSqlite, type SqliteDatabase } from '../../../../functions/adapters/local/sqlite';

let dir: string;
let db: SqliteDatabase;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tarmac-group-commit-'));
  db = openSqlite(join(dir, 'x.db'));
  db.exec('CREATE TABLE t (k TEXT PRIMARY KEY)');
});

afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('GroupCommit', () => {
  it('runs the writes of one event-loop turn in one transaction, each settling after the commit', async () => {
    const commits = new GroupCommit(db);
    const insert = db.prepare('INSERT INTO t (k) VALUES (?)');
    // Another connection sees PRAGMA data_version move once per commit made by others.
    const observer = openSqlite(join(dir, 'x.db'));
    const version = () => observer.pragma('data_version', { simple: true }) as number;
    const before = version();
    const writes = ['a', 'b', 'c'].map((k) => commits.run(() => insert.run(k).changes));
    expect(version()).toBe(before); // nothing written yet: every promise is still pending
    expect(await Promise.all(writes)).toEqual([1, 1, 1]);
    expect(version()).toBe(before + 1);
    expect((observer.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n).toBe(3);
    observer.close();
  });

  it('fails only the write that threw, undoing its own statements and keeping the others', async () => {
    const commits = new GroupCommit(db);
    const insert = db.prepare('INSERT INTO t (k) VALUES (?)');
    const ok = commits.run(() => insert.run('a'));
    const bad = commits.run(() => {
      insert.run('half-done');
      throw new Error('refused');
    });
    const dup = commits.run(() => insert.run('a')); // a constraint error inside the same transaction
    const after = commits.run(() => insert.run('b'));
    await expect(ok).resolves.toBeDefined();
    await expect(bad).rejects.toThrow('refused');
    await expect(dup).rejects.toThrow(/UNIQUE/);
    await expect(after).resolves.toBeDefined();
    const keys = (db.prepare('SELECT k FROM t ORDER BY k').all() as { k: string }[]).map((r) => r.k);
    expect(keys).toEqual(['a', 'b']);
  });

  it('commits what is pending on flush(), before the database closes', async () => {
    const commits = new GroupCommit(db);
    const pending = commits.run(() => db.prepare('INSERT INTO t (k) VALUES (?)').run('z'));
    commits.flush();
    await expect(pending).resolves.toBeDefined();
    expect(db.prepare('SELECT k FROM t').get()).toEqual({ k: 'z' });
  });
});
