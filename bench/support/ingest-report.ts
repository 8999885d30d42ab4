/** What one child of bench/ingest.ts prints: seconds per phase and its peak RSS. */
export interface ChildResult {
  readonly mode: 'check' | 'fs' | 's3' | 'bare';
  readonly seconds: number;
  readonly phases: Readonly<Record<string, number>>;
  readonly maxRssMB: number;
  /** The uploader's own sha256 of the tarball (it declares and signs it), apart from tarmac's path. */
  readonly ciDigestSeconds?: number;
}

const rate = (mb: number, seconds: number) => `${(mb / seconds).toFixed(0).padStart(5)} MB/s`;
const secs = (seconds: number) => `${seconds.toFixed(2).padStart(7)} s`;

/** The lines printed for one tarball size. */
export function formatReport(sizeMB: number, gzipSeconds: number, runs: readonly ChildResult[]): string {
  const by = (mode: ChildResult['mode']) => {
    const run = runs.find((r) => r.mode === mode);
    if (!run) throw new Error(`no ${mode} run`);
    return run;
  };
  const [check, fs, s3, bare] = [by('check'), by('fs'), by('s3'), by('bare')];
  const row = (label: string, run: ChildResult, detail = '') =>
    `${label.padEnd(30)}${secs(run.seconds)} ${rate(sizeMB, run.seconds)}  peak RSS ${run.maxRssMB.toFixed(0).padStart(4)} MB${detail}`;
  const split = (run: ChildResult) =>
    `  (upload ${(run.phases.upload ?? 0).toFixed(2)} s + ingest job ${(run.phases.ingest ?? 0).toFixed(2)} s)`;
  const ingestOnly = s3.phases.ingest ?? Number.NaN;
  return [
    row('tarmac → S3 (upload + ingest)', s3, split(s3)),
    row('tarmac → fs (upload + ingest)', fs, split(fs)),
    row('bare lib-storage Upload → S3', bare),
    `ratio tarmac/bare (whole path):  ${(bare.seconds / s3.seconds).toFixed(2)} (goal ≥ 0.8)`,
    `ratio tarmac/bare (ingest job):  ${(bare.seconds / ingestOnly).toFixed(2)} (the job alone: one read to check it)`,
    `ratio tarmac/bare (upload):      ${(bare.seconds / (s3.phases.upload ?? Number.NaN)).toFixed(2)} (S3ArtifactStore.put with the declared sha256 vs Upload)`,
    `  (the uploader's own sha256 of the file, not counted: ${(s3.ciDigestSeconds ?? Number.NaN).toFixed(2)} s)`,
    row('checkRelease alone', check),
    `${'gzip -dc > /dev/null'.padEnd(30)}${secs(gzipSeconds)} ${rate(sizeMB, gzipSeconds)}`,
    `ratio check/gzip: ${(gzipSeconds / check.seconds).toFixed(2)}`,
  ].join('\n');
}
