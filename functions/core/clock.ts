/** Time and identity are injected so the core stays deterministic under test. */
export interface Clock {
  now(): Date;
}

export interface Ids {
  /** A new unique, roughly time-ordered identifier (safe in file names, URLs and SQS/SSM names). */
  next(): string;
}

/** Human-readable age, e.g. `3 h`, `12 min`, `40 s`, `2 d`. */
export function formatAge(fromIso: string, now: Date): string {
  const seconds = Math.max(0, Math.round((now.getTime() - Date.parse(fromIso)) / 1000));
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h`;
  return `${Math.floor(seconds / 86_400)} d`;
}
