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

const REDACTED = new Set(REDACTED_KEYS);
const CENSOR = '[redacted]';
/** As deep as the redaction reaches: `key`, `*.key`, `*.*.key`. */
const REDACT_DEPTH = 3;

/**
 * `value` with every property named in {@link REDACTED_KEYS} (at depth 1 to 3) replaced by `[redacted]`.
 * Copies only the objects on the way to a hit and returns the very same object when there is none, so the
 * common line (no secret anywhere) costs one walk over a few keys — pino's own `redact` clones every line.
 */
export function redactSecrets<T>(value: T, depth = REDACT_DEPTH): T {
  if (depth === 0 || value === null || typeof value !== 'object' || value instanceof Error) return value;
  let copy: Record<string, unknown> | unknown[] | undefined;
  const source = value as Record<string, unknown>;
  for (const key of Object.keys(source)) {
    const inner = source[key];
    const next = REDACTED.has(key) && !Array.isArray(source) ? CENSOR : redactSecrets(inner, depth - 1);
    if (next === inner) continue;
    copy ??= Array.isArray(source) ? [...source] : { ...source };
    (copy as Record<string, unknown>)[key] = next;
  }
  return (copy ?? value) as T;
}

/**
 * Structured logger: one JSON event per line, secrets redacted. Give every unit of work a child carrying its
 * correlation id: `log.child({ correlationId })` (webhook → queue → worker → host hooks).
 */
export function createLogger(
  options: {
    level?: string;
    destination?: NodeJS.WritableStream | pino.DestinationStream;
    name?: string;
    /**
     * Without a `destination`: write stderr synchronously (every line is out before the call returns) or, for
     * a server, hand lines to a background write so a slow disk or a full pipe never stalls a request. Lines
     * not yet written are flushed on exit, even after an uncaught error; only a SIGKILL can lose the last
     * few. @default true
     */
    sync?: boolean;
  } = {},
): Logger {
  const logger = pino(
    {
      name: options.name ?? 'tarmac',
      level: options.level ?? process.env.TARMAC_LOG_LEVEL ?? 'info',
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        // Redaction on the log object and on child bindings, in microseconds (see redactSecrets).
        log: (object) => redactSecrets(object),
      },
    },
    (options.destination as pino.DestinationStream | undefined) ?? stderr(options.sync ?? true),
  );
  // pino gives children no bindings formatter: redact their bindings on the way in. Children inherit this
  // method (a child is `Object.create(parent)`), so grandchildren are covered too.
  const child = logger.child;
  logger.child = function redactedChild(this: Logger, bindings, childOptions) {
    return child.call(this, redactSecrets(bindings), childOptions);
  } as Logger['child'];
  return logger;
}

/**
 * Standard error as pino's destination. Asynchronous: lines gather into background writes of 4 KiB (a write
 * per line cost a thread hand-off per request), and what has gathered goes out within 100 ms anyway.
 */
function stderr(sync: boolean): pino.DestinationStream {
  if (sync) return pino.destination({ dest: 2, sync: true });
  const stream = pino.destination({ dest: 2, sync: false, minLength: 4096 });
  setInterval(() => {
    try {
      stream.flush();
    } catch {
      // Only a destroyed stream refuses (the process is exiting; its exit handler wrote the rest).
    }
  }, 100).unref();
  return stream;
}

/** A logger that drops everything (tests that do not look at logs). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
