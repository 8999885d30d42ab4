import type { Command } from 'commander';
import { TarmacError } from '../../core/errors';
import { checkRelease, releaseFile } from '../../release/check';
import type { GlobalOptions } from '../main';
import type { Output } from '../output';
import { type PushOptions, pushLocal, pushToServer } from '../release-push';
import { waitForVerdict } from '../release-verdict';
import { remoteCapable } from '../server-mode';

export function registerRelease(program: Command, out: Output): void {
  const release = program.command('release').description('release tarballs');

  release
    .command('check')
    .description('validate a release tarball without extracting it; exit 1 naming the offending entry')
    .argument('<tarball>')
    .option('--release-name <name>', 'require bin/<name> (default: found in the archive)')
    .action(async (tarball: string, opts: { releaseName?: string }) => {
      const options = program.opts<GlobalOptions>();
      let result: Awaited<ReturnType<typeof checkRelease>>;
      try {
        result = await checkRelease(releaseFile(tarball), { releaseName: opts.releaseName });
      } catch (error) {
        throw new TarmacError(`cannot read ${tarball}: ${(error as Error).message}`, { tarball }, { cause: error });
      }
      if (options.json) out.write(`${JSON.stringify(result)}\n`);
      else if (result.ok) {
        out.write(
          `${tarball}: ok — release ${result.releaseName} ${result.version}, ${result.entries} entries, ${result.size} bytes, sha256 ${result.sha256}\n`,
        );
      } else out.error(`${tarball}: refused — ${result.entry}: ${result.reason}\n`);
      if (!result.ok) out.exitCode = 1;
    });

  remoteCapable(release.command('push'))
    .description('upload a release tarball; the worker validates and records it (with --server: signed, as CI does)')
    .argument('<tarball>')
    .requiredOption('--app <app>', 'the app it is a release of')
    .requiredOption('--version <v>', 'its version, e.g. 1.4.2')
    .option('--sha <git sha>', 'the commit it was built from (joins continuous delivery)')
    .option('--branch <branch>', 'the branch it was built from')
    .option('--wait', "wait for the server's verdict; exit 1 on rejection, printing why (local mode always waits)")
    .option('--timeout <seconds>', 'with --wait: give up after this long', '300')
    .action(async (tarball: string, opts: PushOptions & { wait?: boolean; timeout: string }) => {
      const options = program.opts<GlobalOptions>();
      const push = { app: opts.app, version: opts.version, sha: opts.sha, branch: opts.branch };
      if (!options.server) return pushLocal(options, tarball, push, out);
      const uploaded = await pushToServer({ ...options, server: options.server }, tarball, push, out);
      if (!opts.wait) return;
      const timeoutMs = (Number.parseInt(opts.timeout, 10) || 300) * 1000;
      await waitForVerdict(options.server, { ...push, ...uploaded }, out, { json: options.json, timeoutMs });
    });
}
