/**
 * Domain errors. Every error carries the data a caller needs to act on it, and a message that names the
 * bad value and what to do about it.
 */
export class TarmacError extends Error {
  readonly data: Record<string, unknown>;

  constructor(message: string, data: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TarmacError';
    this.data = data;
  }
}

/**
 * An error that retrying the same job can never fix (a malformed message, a name the configuration does not
 * know, an artifact or deployment that no longer exists). The worker records it where an operator sees it and
 * acknowledges the message, so the rest of its FIFO group goes on at once; every other error is retried.
 */
export class PermanentError extends TarmacError {
  constructor(message: string, data: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, data, options);
    this.name = 'PermanentError';
  }
}

/** One problem found in a configuration file. `path` is a dotted path such as `apps.hello.environments.staging.port`. */
export interface ConfigIssue {
  readonly path: string;
  readonly message: string;
  readonly line?: number;
  readonly column?: number;
}

/** A configuration that is malformed or inconsistent. Lists every issue, not only the first. */
export class ConfigError extends TarmacError {
  readonly issues: readonly ConfigIssue[];

  constructor(source: string, issues: readonly ConfigIssue[]) {
    const lines = issues.map((issue) => `  - ${formatIssue(issue)}`);
    super(`${source}: ${issues.length} error${issues.length === 1 ? '' : 's'}\n${lines.join('\n')}`, {
      source,
      issues,
    });
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

export function formatIssue(issue: ConfigIssue): string {
  const where = issue.line === undefined ? '' : ` (line ${issue.line}, column ${issue.column ?? 1})`;
  return issue.path ? `${issue.path}: ${issue.message}${where}` : `${issue.message}${where}`;
}

/**
 * A name (app, environment, host) that the configuration does not know. It can never succeed on retry: a
 * job naming one is answered, not redelivered. `of` is the app an unknown environment was looked up in.
 */
export class UnknownNameError extends PermanentError {
  readonly kind: 'app' | 'environment' | 'host' | 'fleet';
  readonly known: readonly string[];

  constructor(kind: 'app' | 'environment' | 'host' | 'fleet', name: string, known: readonly string[], of?: string) {
    const where = of === undefined ? '' : ` of ${of}`;
    super(`unknown ${kind} "${name}"${where} — known: ${known.length ? known.join(', ') : '(none)'}`, {
      kind,
      name,
      known,
      ...(of === undefined ? {} : { of }),
    });
    this.name = 'UnknownNameError';
    this.kind = kind;
    this.known = known;
  }
}

/** A state transition the domain does not allow (e.g. succeeding a deployment that already failed). */
export class InvalidTransitionError extends TarmacError {
  constructor(what: string, from: string, to: string) {
    super(`${what} cannot go from ${from} to ${to}`, { what, from, to });
    this.name = 'InvalidTransitionError';
  }
}

/** The environment is locked; deploys (manual and continuous) are refused until it is unlocked. */
export class EnvironmentLockedError extends TarmacError {
  constructor(app: string, env: string, lock: { by: string; reason: string; since: string }, age: string) {
    super(`${app}/${env} is locked by ${lock.by} ${age} ago: "${lock.reason}" — tarmac unlock ${app} ${env}`, {
      app,
      env,
      lock,
    });
    this.name = 'EnvironmentLockedError';
  }
}

/** A job message that does not match any known type or version. */
export class InvalidJobError extends PermanentError {
  constructor(detail: string) {
    super(`invalid job message: ${detail}`, { detail });
    this.name = 'InvalidJobError';
  }
}

/** No artifact under that key. */
export class ArtifactNotFoundError extends PermanentError {
  constructor(key: string) {
    super(`no artifact at ${key}`, { key });
    this.name = 'ArtifactNotFoundError';
  }
}

/** An upload went past its size cap; nothing was stored. */
export class ArtifactTooLargeError extends TarmacError {
  constructor(maxBytes: number) {
    super(`artifact is larger than the limit of ${maxBytes} bytes — nothing was stored`, { maxBytes });
    this.name = 'ArtifactTooLargeError';
  }
}

/**
 * An artifact's bytes or key are not what was checked: changed while it was read, or not stored under its
 * content hash. Not permanent: the next attempt reads and checks it again.
 */
export class ArtifactIntegrityError extends TarmacError {
  constructor(key: string, problem: string, data: Record<string, unknown> = {}) {
    super(`artifact ${key} ${problem}`, { key, ...data });
    this.name = 'ArtifactIntegrityError';
  }
}

/** The bytes of a put do not hash to the sha256 the sender declared. Nothing was stored. */
export class ArtifactDigestError extends TarmacError {
  constructor(
    readonly declared: string,
    readonly actual: string,
  ) {
    super(`artifact bytes hash to ${actual}, not the declared sha256 ${declared} — nothing was stored`, {
      declared,
      actual,
    });
    this.name = 'ArtifactDigestError';
  }
}

/** A conditional state write lost a race (or found an item that should not exist). Re-read and retry. */
export class ConcurrentChangeError extends TarmacError {
  constructor(key: { pk: string; sk: string }, expected: number | null | undefined) {
    super(
      `state ${key.pk} ${key.sk} changed concurrently (expected version ${expected ?? 'none'}) — re-read and retry`,
      {
        key,
        expected,
      },
    );
    this.name = 'ConcurrentChangeError';
  }
}

/** A job failed on each of its attempts (or its attempts never came back): the worker gives up on it. */
export class AttemptsExhaustedError extends PermanentError {
  constructor(idempotencyKey: string, attempts: number, lastError: string | undefined, options?: { cause?: unknown }) {
    super(
      `job ${idempotencyKey} failed ${attempts} time${attempts === 1 ? '' : 's'}, giving up: ${lastError ?? 'no error was recorded (the worker stopped or timed out)'} — fix the cause, then send the request again`,
      { idempotencyKey, attempts, lastError },
      options,
    );
    this.name = 'AttemptsExhaustedError';
  }
}
