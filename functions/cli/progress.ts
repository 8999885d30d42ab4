import type { Deployment } from '../core/deployments';
import { isFinished } from '../core/deployments';
import { type DurationEstimate, progressOf } from '../core/estimate';
import type { Output } from './output';

const MARK: Record<string, string> = { in_progress: '…', succeeded: '✓', failed: '✗', skipped: '-' };

/**
 * Turns successive snapshots of a deployment into progress lines: one per host × lifecycle event change, with
 * the elapsed time. Plain lines when not a TTY, ✓/✗ marks on a TTY, one JSON object per line with `--json`.
 */
export class DeploymentProgress {
  private readonly seen = new Set<string>();
  /** Output lines already shown under a failed hook, not repeated in the deployment's error. */
  private readonly shown = new Set<string>();
  private lastStatus: string | undefined;

  constructor(
    private readonly out: Output,
    private readonly options: {
      json: boolean;
      startedAt: number;
      now: () => number;
      /** How long deployments of this environment usually take: hook lines then say how far along it is. */
      estimate?: DurationEstimate | undefined;
    },
  ) {}

  /** Elapsed ÷ the usual duration, while the deployment runs (issue #14 item 7). */
  private along(d: Deployment): { json: { progress?: number }; text: string } {
    const p = progressOf(d, this.options.estimate, new Date(this.options.now()));
    if (!p) return { json: {}, text: '' };
    return {
      json: { progress: Number(p.fraction.toFixed(2)) },
      text: p.overdue ? '  (over the usual)' : `  (~${Math.floor(p.fraction * 100)}%)`,
    };
  }

  update(d: Deployment): void {
    const elapsed = `${((this.options.now() - this.options.startedAt) / 1000).toFixed(1)}s`;
    // The outcome comes after the last host step it follows from; a start comes before the first.
    if (!isFinished(d.status)) this.status(d, elapsed);
    for (const host of d.hosts) {
      for (const e of host.events) {
        const key = `${host.host}|${e.event}|${e.status}`;
        if (this.seen.has(key)) continue;
        this.seen.add(key);
        const mark = this.out.isTTY ? `${MARK[e.status] ?? ''} ` : '';
        const along = this.along(d);
        this.line(
          { type: 'hook', host: host.host, event: e.event, status: e.status, elapsed, ...along.json },
          `${mark}${host.host} ${e.event} ${e.status.replace('_', ' ')}${along.text}`,
          elapsed,
        );
        if (e.status === 'failed' && e.tail && !this.options.json) {
          this.out.write(`${indent(e.tail)}\n`);
          for (const line of e.tail.split('\n')) this.shown.add(line);
        }
      }
    }
    if (isFinished(d.status)) this.status(d, elapsed);
  }

  private status(d: Deployment, elapsed: string): void {
    if (d.status === this.lastStatus) return;
    this.lastStatus = d.status;
    this.line(
      { type: 'deployment', id: d.id, status: d.status, elapsed },
      `${d.app}/${d.env} ${d.version}: ${d.status.replace('_', ' ')}`,
      elapsed,
    );
  }

  /** Print the outcome; true when the deployment succeeded. */
  finish(d: Deployment): boolean {
    this.update(d);
    if (!isFinished(d.status)) return false;
    if (d.error && !this.options.json) {
      const rest = d.error.split('\n').filter((line) => line.trim() !== '' && !this.shown.has(line));
      if (rest.length > 0) this.out.write(`${indent(rest.slice(-30).join('\n'))}\n`);
    }
    return d.status === 'succeeded';
  }

  private line(json: Record<string, unknown>, text: string, elapsed: string): void {
    this.out.write(this.options.json ? `${JSON.stringify(json)}\n` : `[${elapsed.padStart(7)}] ${text}\n`);
  }
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}
