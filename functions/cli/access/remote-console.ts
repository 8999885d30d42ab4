import WebSocket from 'ws';
import { parseConsoleControl } from '../../core/console-protocol';
import { TarmacError } from '../../core/errors';
import type { ConsoleOpening } from '../../ports';
import { ServerAnswerError, type ServerClient } from '../server-client';

/** This process's terminal, as the console needs it (injected by tests). */
export interface Terminal {
  readonly input: NodeJS.ReadStream;
  readonly output: NodeJS.WriteStream;
}

const processTerminal: Terminal = { input: process.stdin, output: process.stdout };

/**
 * `tarmac console --server`: ask the server how to reach the console (`POST …/console`), then either relay
 * this terminal over its WebSocket (`tarmac serve`) or hand the session to the Session Manager plugin (the
 * webhook Lambda, see `ssm-console.ts`). Resolves with the console's exit status.
 */
export async function consoleViaServer(
  server: ServerClient,
  target: { app: string; env: string; host: string | undefined },
  ssm: (opening: Extract<ConsoleOpening, { kind: 'ssm' }>, terminate: () => Promise<void>) => Promise<number | null>,
  terminal: Terminal = processTerminal,
): Promise<number | null> {
  const path = `/apps/${encodeURIComponent(target.app)}/environments/${encodeURIComponent(target.env)}/console`;
  const opening = await server.send<ConsoleOpening>('POST', path, target.host ? { host: target.host } : {});
  if (opening.kind === 'ssm') {
    return ssm(opening, async () => {
      await server.send('DELETE', `${path}/${encodeURIComponent(opening.sessionId)}`);
    });
  }
  const size = { cols: terminal.output.columns ?? 80, rows: terminal.output.rows ?? 24 };
  const query = new URLSearchParams({ ...(target.host ? { host: target.host } : {}), ...toStrings(size) });
  const url = `${server.base.replace(/^http/, 'ws')}/api${path}?${query}`;
  return relay(new WebSocket(url, { headers: server.authHeaders() }), server.base, terminal);
}

const toStrings = (size: { cols: number; rows: number }) => ({ cols: String(size.cols), rows: String(size.rows) });

/**
 * Raw mode for the session's length, restored on every way out: the console's end, a dropped connection,
 * a refused upgrade, SIGTERM/SIGHUP, and the process exiting under us.
 */
function relay(ws: WebSocket, base: string, terminal: Terminal): Promise<number | null> {
  const { input, output } = terminal;
  let exitCode: number | null = null;
  let failure: Error | undefined;
  const raw = input.isTTY === true;
  const restore = () => {
    if (raw && input.isTTY) input.setRawMode(false);
    input.pause();
  };
  const onInput = (chunk: Buffer) => ws.send(chunk, { binary: true });
  const onResize = () => ws.send(JSON.stringify({ resize: { cols: output.columns, rows: output.rows } }));
  const hangUp = () => ws.close(1000, 'client hung up');
  return new Promise<number | null>((resolve) => {
    ws.on('unexpected-response', (_request, response) => {
      const chunks: Buffer[] = [];
      response.on('data', (c: Buffer) => chunks.push(c));
      response.on('end', () => {
        failure = refusal(response.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'), base);
        ws.terminate();
      });
    });
    ws.on('open', () => {
      if (raw) input.setRawMode(true);
      input.on('data', onInput);
      input.resume();
      output.on('resize', onResize);
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) return void output.write(data as Buffer);
      const control = parseConsoleControl(data.toString());
      if (control?.exit !== undefined) exitCode = control.exit;
      if (control?.error !== undefined) failure = new TarmacError(control.error);
    });
    ws.on('error', (error) => {
      failure ??= new TarmacError(`console connection to ${base} failed: ${error.message} — check --server`);
    });
    ws.on('close', () => resolve(exitCode));
    process.once('SIGTERM', hangUp);
    process.once('SIGHUP', hangUp);
    process.once('exit', restore);
  }).finally(() => {
    input.off('data', onInput);
    output.off('resize', onResize);
    process.off('SIGTERM', hangUp);
    process.off('SIGHUP', hangUp);
    process.off('exit', restore);
    restore();
    if (failure) throw failure;
  });
}

function refusal(status: number, text: string, base: string): Error {
  let message = text.trim() || `HTTP ${status}`;
  try {
    const parsed = JSON.parse(text) as { error?: unknown };
    if (typeof parsed.error === 'string') message = parsed.error;
  } catch {
    // not JSON: keep the text
  }
  return new ServerAnswerError(status, message, base);
}
