import type { Command } from 'commander';
import { formatAge } from '../../core/clock';
import { describeNeeds } from '../../core/compat';
import { requireApp } from '../../core/config';
import type { ReleaseView } from '../../state/release-views';
import { stateReadApi } from '../../state/state-read-api';
import { withLocalRuntime } from '../local-client';
import type { GlobalOptions } from '../main';
import type { Output } from '../output';
import { remoteCapable } from '../server-mode';
import { api } from './status';

/** `5.2 MB`, `830 kB`, `419 B`. */
export function formatSize(bytes: number): string {
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${Math.round(bytes / 1e3)} kB`;
  return `${bytes} B`;
}

/** One line per release, newest first: accepted ones with where they serve, rejected ones with the reason. */
export function printReleases(out: Output, app: string, releases: readonly ReleaseView[], now: Date): void {
  const accepted = releases.filter((r) => r.status === 'accepted');
  out.write(`${app}: ${accepted.length} accepted, ${releases.length - accepted.length} rejected\n`);
  for (const r of releases) {
    const who = `by ${r.uploadedBy} ${formatAge(r.createdAt, now)} ago`;
    const git = [r.gitSha ? `git ${r.gitSha.slice(0, 7)}` : '', r.branch ? `on ${r.branch}` : ''].filter(Boolean);
    if (r.status === 'rejected') {
      out.write(`  ${r.version.padEnd(12)} REJECTED ${who}${git.length ? `, ${git.join(' ')}` : ''}\n`);
      out.write(`    ${r.rejection ?? '(no reason recorded)'}\n`);
      continue;
    }
    const serving = r.deployedTo.length ? `serving ${r.deployedTo.join(', ')}` : 'not deployed';
    out.write(
      `  ${r.version.padEnd(12)} ${r.sha256.slice(0, 12)}  ${formatSize(r.size).padStart(8)}  ${[...git, who].join(', ')} — ${serving}\n`,
    );
    if (r.needs) out.write(`    needs ${describeNeeds(r.needs)}\n`);
    for (const warning of r.warnings ?? []) out.write(`    ${warning}\n`); // what its push warned about
  }
}

export function registerReleases(program: Command, out: Output): void {
  remoteCapable(program.command('releases'))
    .description("an app's releases: accepted (sha256, size, git, who, where each serves) and rejected (why)")
    .argument('<app>')
    .action(async (app: string) => {
      const options = program.opts<GlobalOptions>();
      const show = (releases: readonly ReleaseView[]) =>
        options.json
          ? out.write(`${JSON.stringify(releases, null, 2)}\n`)
          : printReleases(out, app, releases, new Date());
      if (options.server) {
        const path = `/apps/${encodeURIComponent(app)}/releases`;
        return show((await api<{ releases: ReleaseView[] }>(options.server, path)).releases);
      }
      await withLocalRuntime(
        options,
        async (runtime) => {
          const appConfig = requireApp(runtime.deps.config, app);
          const read = stateReadApi(runtime.adapters.state);
          show((await read.releases?.(app, Object.keys(appConfig.environments))) ?? []);
        },
        { work: false },
      );
    });
}
