/**
 * What the deployer must know of a bundle before it runs its hooks, read from its `tarmac/instance.env`
 * (single-quoted bash assignments, as bundle/quote.ts writes them): where BeforeInstall reads secrets, and
 * whether ApplicationStart migrates once across the fleet under a lock the deployer holds.
 */
export interface BundleFacts {
  /** The deployment the bundle was rendered for (an automatic rollback redeploys an earlier one's bundle). */
  readonly deploymentId: string;
  readonly secretsKind: string;
  readonly secretsPath: string;
  /** The deployer chooses the one host that migrates (lock kind `tarmac`, a migration, fleet scope). */
  readonly coordinatedMigration: boolean;
}

export function bundleFacts(instanceEnv: string): BundleFacts {
  const value = (key: string) => readAssignment(instanceEnv, key);
  return {
    deploymentId: value('TARMAC_DEPLOYMENT_ID'),
    secretsKind: value('TARMAC_SECRETS_KIND'),
    secretsPath: value('TARMAC_SECRETS_PATH'),
    coordinatedMigration:
      value('TARMAC_LOCK_KIND') === 'tarmac' &&
      value('TARMAC_MIGRATE') !== '' &&
      value('TARMAC_MIGRATE_SCOPE') !== 'host',
  };
}

/** The value of `KEY='…'` (with `'\''` escapes); empty when absent. */
function readAssignment(text: string, key: string): string {
  const line = text.split('\n').find((l) => l.startsWith(`${key}=`));
  if (!line) return '';
  const raw = line.slice(key.length + 1);
  return raw.startsWith("'") ? raw.slice(1, -1).replaceAll("'\\''", "'") : raw;
}

/** The JSON BeforeInstall reads on stdin (`aws ssm get-parameters-by-path`'s shape, see ssm-secrets.py). */
export function secretsInput(prefix: string, values: Readonly<Record<string, string>>): string {
  const base = prefix.endsWith('/') ? prefix : `${prefix}/`;
  return JSON.stringify({
    Parameters: Object.entries(values).map(([name, value]) => ({ Name: `${base}${name}`, Value: value })),
  });
}
