import { TarmacError } from '../core/errors';

/** The first reason a tarball is unsafe, and the entry it concerns (`(archive)` for the stream as a whole). */
export interface Refusal {
  readonly entry: string;
  readonly reason: string;
}

/** Thrown inside the checker to stop reading at the first offending entry; checkRelease turns it into data. */
export class RefusedEntry extends Error implements Refusal {
  constructor(
    readonly entry: string,
    readonly reason: string,
  ) {
    super(`${entry}: ${reason}`);
    this.name = 'RefusedEntry';
  }
}

/** A release tarball that must not be stored or extracted. */
export class UnsafeReleaseError extends TarmacError {
  constructor(refusal: Refusal) {
    super(`release refused — ${refusal.entry}: ${refusal.reason}`, { entry: refusal.entry, reason: refusal.reason });
    this.name = 'UnsafeReleaseError';
  }
}

/** Shorthand used by the rules: stop here. */
export function refuse(entry: string, reason: string): never {
  throw new RefusedEntry(entry, reason);
}
