import type { Instance } from '../core/config';
import { TarmacError } from '../core/errors';
import { type Redactor, redactor } from '../core/redact';
import type { SecretStore } from '../ports';

/**
 * A redactor of the instance's secrets and the intake's (`_global`). Without them nothing is shown: output
 * that might hold a secret is never printed unredacted.
 */
export async function secretRedactor(secrets: SecretStore, instance: Instance): Promise<Redactor> {
  try {
    const [own, global] = await Promise.all([secrets.getAll(instance.secretScope), secrets.getAll('_global')]);
    return redactor({ ...prefixed('_global/', global), ...own });
  } catch (error) {
    throw new TarmacError(
      `cannot read the secrets of ${instance.secretScope} to redact them (${error instanceof Error ? error.message : String(error)}) — output is never shown unredacted; check access to the secret store`,
      { scope: instance.secretScope },
      { cause: error },
    );
  }
}

const prefixed = (prefix: string, values: Record<string, string>) =>
  Object.fromEntries(Object.entries(values).map(([k, v]) => [`${prefix}${k}`, v]));
