import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TarmacError } from '../../core/errors';
import type { SecretStore } from '../../ports';

const SCOPE = /^(_global|[a-z][a-z0-9-]*\/[a-z][a-z0-9-]*)$/;
const NAME = /^[a-z][a-z0-9_]{0,62}$/;

/**
 * Local secret store: one file per secret, `<dir>/<app>/<env>/<name>` (or `<dir>/_global/<name>`),
 * directories 0700 and files 0600. Writes go to a temporary file and are renamed into place.
 */
export class FileSecretStore implements SecretStore {
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
  }

  async get(scope: string, name: string): Promise<string | undefined> {
    try {
      return readFileSync(this.path(scope, name), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async getAll(scope: string): Promise<Record<string, string>> {
    const names = await this.listNames(scope);
    return Object.fromEntries(names.map((name) => [name, readFileSync(this.path(scope, name), 'utf8')]));
  }

  async set(scope: string, name: string, value: string): Promise<void> {
    // Validate before the value touches the disk: a refused name must leave nothing behind.
    const target = this.path(scope, name);
    const dir = this.scopeDir(scope);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmp = join(dir, `.${name}.${randomUUID()}.tmp`);
    try {
      writeFileSync(tmp, value, { mode: 0o600, flag: 'wx' });
      renameSync(tmp, target);
    } catch (error) {
      rmSync(tmp, { force: true });
      throw error;
    }
  }

  async putIfMissing(scope: string, name: string, value: string): Promise<boolean> {
    const dir = this.scopeDir(scope);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    try {
      // 'wx' fails when the file exists: create-if-missing without a check-then-act race.
      writeFileSync(this.path(scope, name), value, { mode: 0o600, flag: 'wx' });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
  }

  async listNames(scope: string): Promise<string[]> {
    try {
      return readdirSync(this.scopeDir(scope))
        .filter((name) => NAME.test(name))
        .sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  private scopeDir(scope: string): string {
    if (!SCOPE.test(scope)) {
      throw new TarmacError(`secret scope "${scope}" is not valid — use <app>/<env> or _global`, { scope });
    }
    return join(this.dir, ...scope.split('/'));
  }

  private path(scope: string, name: string): string {
    if (!NAME.test(name)) {
      throw new TarmacError(`secret name "${name}" is not valid — lowercase letters, digits and _`, { name });
    }
    return join(this.scopeDir(scope), name);
  }
}
