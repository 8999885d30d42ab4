/** Where the CLI writes. Injected so tests capture output and choose TTY or not. */
export interface Output {
  write(text: string): void;
  error(text: string): void;
  readonly isTTY: boolean;
  /** Set by a command that wants a non-zero exit without throwing. */
  exitCode?: number;
}

export function stdOutput(): Output {
  // `tarmac history … | head`: the reader went away; stop quietly as other CLIs do, not with an EPIPE trace.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 0);
  });
  return {
    write: (text) => process.stdout.write(text),
    error: (text) => process.stderr.write(text),
    isTTY: Boolean(process.stdout.isTTY),
  };
}

/** An Output that keeps everything, for tests. */
export function memoryOutput(isTTY = false): Output & { readonly out: string[]; readonly err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, isTTY, write: (t) => void out.push(t), error: (t) => void err.push(t) };
}
