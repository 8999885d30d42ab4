/**
 * Which push is the newest on a branch, decided only from fields GitHub signs (never from arrival time or
 * the unsigned delivery id), so an old push body replayed with its old signature can never roll back.
 */

/** A branch update as the signed push body states it. */
export interface RefUpdate {
  readonly branch: string;
  /** The branch's sha before the push (also for a force push: GitHub sends the ref's previous value). */
  readonly before?: string;
  readonly after: string;
  /** `repository.pushed_at` of the push body, in seconds since the epoch. */
  readonly pushedAt?: number;
}

/** Where a branch points after the newest push tarmac accepted. */
export interface BranchHead {
  readonly branch: string;
  readonly sha: string;
  readonly pushedAt?: number;
  readonly pusher: string;
  /** Idempotency key of the job that moved it (a retried job finds its own move and resumes). */
  readonly by: string;
}

/**
 * True when `update` moves the branch past `head`: the first push seen, the next link of the chain
 * (`before` is the current head — forced or not), or, after a gap (a delivery that never came or
 * arrived late), a push GitHub timestamped later. A push that is neither waits and deploys nothing.
 * Jobs queued by an older intake carry neither field and keep the old rule (the latest job wins).
 */
export function movesHead(update: RefUpdate, head: BranchHead | undefined): boolean {
  if (!head) return true;
  if (update.before === undefined && update.pushedAt === undefined) return true;
  if (update.before !== undefined && update.before === head.sha) return true;
  if (update.pushedAt !== undefined && head.pushedAt !== undefined) return update.pushedAt > head.pushedAt;
  return false;
}

/** The record key of one signed ref update: a replayed body has the same one. */
export function refUpdateId(update: RefUpdate): string {
  return `${update.before ?? '-'}>${update.after}@${update.pushedAt ?? '-'}`;
}
