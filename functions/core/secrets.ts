import type { GENERATED_SECRETS } from './config/instances';

/** How many random bytes each generated secret gets (encoded as URL-safe base64 without padding). */
export const GENERATED_SECRET_BYTES: Record<(typeof GENERATED_SECRETS)[number], number> = {
  erlang_cookie: 32,
  secret_key_base: 64,
};

/** Intake secrets, scope `_global`. */
export const INTAKE_SECRETS = ['github_webhook_secret', 'slack_signing_secret', 'build_webhook_secret'] as const;
export const GLOBAL_SCOPE = '_global';
