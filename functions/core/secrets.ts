import type { GENERATED_SECRETS } from './config/instances';
import { TarmacError } from './errors';

/** How many random bytes each generated secret gets (encoded as URL-safe base64 without padding). */
export const GENERATED_SECRET_BYTES: Record<(typeof GENERATED_SECRETS)[number], number> = {
  erlang_cookie: 32,
  secret_key_base: 64,
};

/** Intake secrets, scope `_global`. */
export const INTAKE_SECRETS = ['github_webhook_secret', 'slack_signing_secret', 'build_webhook_secret'] as const;
export const GLOBAL_SCOPE = '_global';

const SECRET_SCOPE = /^(_global|[a-z][a-z0-9-]*\/[a-z][a-z0-9-]*)$/;
const SECRET_NAME = /^[a-z][a-z0-9_]{0,62}$/;

/**
 * Refuse a scope or secret name no store accepts, before any value is read or written (a refused name must
 * leave nothing on disk). The name rule is the one of `secrets:` in tarmac.yml.
 */
export function assertSecretRef(scope: string, name: string): void {
  if (!SECRET_SCOPE.test(scope)) {
    throw new TarmacError(`secret scope "${scope}" is not valid — use <app>/<env> or _global`, { scope });
  }
  if (!SECRET_NAME.test(name)) {
    throw new TarmacError(
      `secret name "${name}" is not valid — lowercase letters, digits and _, starting with a letter (≤ 63)`,
      { name },
    );
  }
}
