import { type Logger, pino } from 'pino';

export type { Logger };

/**
 * Keys whose values are never written to a log line, wherever they appear. Secret values travel only
 * between the secret store and the hosts' credential files.
 */
export const REDACTED_KEYS = [
  'secret',
  'secrets',
  'value',
  'password',
  'token',
  'cookie',
  'authorization',
  'signature',
  'secret_key_base',
  'erlang_cookie',
  'github_webhook_secret',
  'slack_signing_secret',
  'build_webhook_secret',
];

/**
 * Structured logger: one JSON event per line, secrets redacted. Give every unit of work a child carrying its
 * correlation id: `log.child({ correlationId })` (webhook → queue → worker → host hooks).
 */
export function createLogger(
  options: { level?: string; destination?: NodeJS.WritableStream | pino.DestinationStream; name?: string } = {},
): Logger {
  const paths = REDACTED_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]);
  return pino(
    {
      name: options.name ?? 'tarmac',
      level: options.level ?? process.env.TARMAC_LOG_LEVEL ?? 'info',
      redact: { paths, censor: '[redacted]' },
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    (options.destination as pino.DestinationStream | undefined) ?? pino.destination(2),
  );
}

/** A logger that drops everything (tests that do not look at logs). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
