import { setTimeout as sleep } from 'node:timers/promises';
import { TarmacError } from '../core/errors';
import type { ReleaseView } from '../state/release-views';
import { api } from './commands/status';
import type { Output } from './output';

export interface PushedUpload {
  readonly app: string;
  readonly version: string;
  /** The upload's artifact key, as `PUT /artifacts/…` answered: a rejection is recorded under it. */
  readonly key: string;
  readonly sha256: string;
}

/** The record the server's worker made of this upload, if it made one yet. */
export function verdictOf(releases: readonly ReleaseView[], upload: PushedUpload): ReleaseView | undefined {
  return (
    releases.find((r) => r.status === 'rejected' && r.artifactKey === upload.key) ??
    releases.find((r) => r.status === 'accepted' && r.sha256 === upload.sha256)
  );
}

/**
 * `release push --server … --wait`: poll the read API until the worker has recorded the upload, print the
 * verdict, and exit 1 on a rejection (with the reason and the offending entry). Polling, since the intake
 * answers before the worker has read the tarball.
 */
export async function waitForVerdict(
  server: string,
  upload: PushedUpload,
  out: Output,
  options: { json?: boolean; timeoutMs?: number; pollMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 300_000);
  const path = `/apps/${encodeURIComponent(upload.app)}/releases`;
  for (;;) {
    const verdict = verdictOf((await api<{ releases: ReleaseView[] }>(server, path)).releases, upload);
    if (verdict) return report(verdict, upload, out, options.json);
    if (Date.now() > deadline) {
      throw new TarmacError(
        `${upload.app} ${upload.version}: no verdict from ${server} within ${Math.round((options.timeoutMs ?? 300_000) / 1000)} s — is its worker running? (tarmac releases ${upload.app} --server ${server})`,
        { app: upload.app, version: upload.version },
      );
    }
    await sleep(options.pollMs ?? 500);
  }
}

function report(verdict: ReleaseView, upload: PushedUpload, out: Output, json?: boolean): void {
  if (json) out.write(`${JSON.stringify(verdict)}\n`);
  if (verdict.status === 'rejected') {
    if (!json) out.error(`${upload.app} ${upload.version} rejected: ${verdict.rejection ?? '(no reason recorded)'}\n`);
    out.exitCode = 1;
    return;
  }
  if (!json) {
    const again = verdict.version !== upload.version ? ` (already recorded as ${verdict.version})` : '';
    out.write(
      `${upload.app} ${upload.version} accepted${again} (${verdict.sha256.slice(0, 12)}, ${verdict.size} bytes)\n`,
    );
    for (const warning of verdict.warnings ?? []) out.write(`${warning}\n`); // as a local push prints them
  }
}
