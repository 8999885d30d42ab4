import {
  DescribeParametersCommand,
  GetParameterCommand,
  GetParametersByPathCommand,
  PutParameterCommand,
  SSMClient,
  type SSMClientConfig,
} from '@aws-sdk/client-ssm';
import { TarmacError } from '../../core/errors';
import type { SecretStore } from '../../ports';

export interface SsmSecretStoreOptions {
  /** @default new SSMClient(clientConfig) */
  readonly client?: SSMClient;
  readonly clientConfig?: SSMClientConfig;
  /** Root of every name. @default '/tarmac' */
  readonly prefix?: string;
  /** KMS key for SecureStrings. @default the account's `alias/aws/ssm` */
  readonly kmsKeyId?: string;
}

const SCOPE = /^(_global|[a-z][a-z0-9-]*\/[a-z][a-z0-9-]*)$/;
const NAME_CHARS = /^[a-zA-Z0-9_.\-/]+$/;
const MAX_LEVELS = 15;

/**
 * Secrets as SSM SecureStrings: `/tarmac/<app>/<env>/<name>` and `/tarmac/_global/<name>`. A scope is read
 * with one paged GetParametersByPath (SSM's Get* calls share 40 TPS), names are listed from metadata only.
 */
export class SsmSecretStore implements SecretStore {
  private readonly client: SSMClient;
  private readonly prefix: string;

  constructor(private readonly options: SsmSecretStoreOptions = {}) {
    this.client = options.client ?? new SSMClient(options.clientConfig ?? {});
    this.prefix = (options.prefix ?? '/tarmac').replace(/\/+$/, '');
  }

  async get(scope: string, name: string): Promise<string | undefined> {
    try {
      const result = await this.client.send(
        new GetParameterCommand({ Name: this.parameterName(scope, name), WithDecryption: true }),
      );
      return result.Parameter?.Value;
    } catch (error) {
      if (errorName(error) === 'ParameterNotFound') return undefined;
      throw error;
    }
  }

  async getAll(scope: string): Promise<Record<string, string>> {
    const path = this.scopePath(scope);
    const values: Record<string, string> = {};
    let token: string | undefined;
    do {
      // MaxResults is at most 10 and a page may be shorter even when more follow: only NextToken ends it.
      const page = await this.client.send(
        new GetParametersByPathCommand({
          Path: path,
          Recursive: false,
          WithDecryption: true,
          MaxResults: 10,
          ...(token ? { NextToken: token } : {}),
        }),
      );
      for (const p of page.Parameters ?? []) {
        if (p.Name && p.Value !== undefined) values[p.Name.slice(path.length + 1)] = p.Value;
      }
      token = page.NextToken;
    } while (token);
    return values;
  }

  async set(scope: string, name: string, value: string): Promise<void> {
    await this.client.send(new PutParameterCommand({ ...this.parameter(scope, name, value), Overwrite: true }));
  }

  async putIfMissing(scope: string, name: string, value: string): Promise<boolean> {
    try {
      // Without Overwrite, SSM refuses an existing name: create-if-missing without a read-then-write race.
      await this.client.send(new PutParameterCommand(this.parameter(scope, name, value)));
      return true;
    } catch (error) {
      if (errorName(error) === 'ParameterAlreadyExists') return false;
      throw error;
    }
  }

  async listNames(scope: string): Promise<string[]> {
    const path = this.scopePath(scope);
    const names: string[] = [];
    let token: string | undefined;
    do {
      // DescribeParameters returns metadata only: values (even encrypted) never leave SSM here.
      const page = await this.client.send(
        new DescribeParametersCommand({
          ParameterFilters: [{ Key: 'Path', Option: 'OneLevel', Values: [path] }],
          MaxResults: 50,
          ...(token ? { NextToken: token } : {}),
        }),
      );
      for (const p of page.Parameters ?? []) if (p.Name) names.push(p.Name.slice(path.length + 1));
      token = page.NextToken;
    } while (token);
    return names.sort();
  }

  private parameter(scope: string, name: string, value: string) {
    return {
      Name: this.parameterName(scope, name),
      Value: value,
      Type: 'SecureString' as const,
      ...(this.options.kmsKeyId ? { KeyId: this.options.kmsKeyId } : {}),
    };
  }

  private scopePath(scope: string): string {
    if (!SCOPE.test(scope)) {
      throw new TarmacError(`secret scope "${scope}" is not valid — use <app>/<env> or _global`, { scope });
    }
    return validateParameterName(`${this.prefix}/${scope}`);
  }

  private parameterName(scope: string, name: string): string {
    if (name.includes('/') || name === '') {
      throw new TarmacError(`secret name "${name}" is not valid — one path level, no "/"`, { name });
    }
    return validateParameterName(`${this.scopePath(scope)}/${name}`);
  }
}

/**
 * Check a full SSM parameter name against SSM's rules, naming the rule broken.
 * @example validateParameterName('/tarmac/hello/prod/secret_key_base') // returns it unchanged
 */
export function validateParameterName(name: string): string {
  const fail = (why: string) => {
    throw new TarmacError(`SSM parameter name "${name}" is not valid — ${why}`, { name });
  };
  if (!NAME_CHARS.test(name)) fail('use only a-z A-Z 0-9 _ . - /');
  if (name.split('/').filter(Boolean).length > MAX_LEVELS) fail(`at most ${MAX_LEVELS} levels`);
  if (/^\/?(aws|ssm)/i.test(name)) fail('it must not start with "aws" or "ssm" (reserved by AWS)');
  if (name.length > 1011) fail('at most 1011 characters');
  return name;
}

function errorName(error: unknown): string | undefined {
  return (error as { name?: string })?.name;
}
