import { TarmacError } from '../core/errors';

/** A local test host could not be booted, reached or stopped. */
export class HostError extends TarmacError {
  constructor(message: string, data: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, data, options);
    this.name = 'HostError';
  }
}

/** A command run inside a host went past its time limit; its whole process group was killed. */
export class HostCommandTimeoutError extends HostError {
  constructor(host: string, argv0: string, timeoutMs: number) {
    super(`${argv0} on ${host} did not finish within ${timeoutMs} ms and was killed`, { host, argv0, timeoutMs });
    this.name = 'HostCommandTimeoutError';
  }
}

/** A command run inside a host exited non-zero; `stderr` is what it said. */
export class HostCommandFailedError extends HostError {
  constructor(host: string, argv: readonly string[], code: number | null, stderr: string) {
    super(`${argv.join(' ')} failed on ${host}: ${stderr.trim()}`, { host, argv, code, stderr });
    this.name = 'HostCommandFailedError';
  }
}
