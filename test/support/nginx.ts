import { request } from 'node:http';
import WebSocket from 'ws';

export interface Answer {
  readonly status: number;
  readonly body: string;
  readonly headers: Record<string, string | string[] | undefined>;
}

/** GET through nginx on a host, naming the vhost with the `Host` header (fetch cannot set it). */
export function getVia(address: string, host: string, path = '/', port = 80): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: address, port, path, headers: { host }, timeout: 5_000, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${host}${path} via ${address}:${port} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** The JSON an answer of the fixture carries (version, node, port…), or undefined for anything else. */
export function fixtureJson(answer: Answer): Record<string, unknown> | undefined {
  try {
    return JSON.parse(answer.body) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** A websocket through nginx to the fixture's `/ws`; `ask` sends a text and resolves with the parsed reply. */
export interface Socket {
  ask(text: string): Promise<{ version: string; node: string; echo: string }>;
  /** Resolves with the close code once the connection is closed (by either side). */
  readonly closed: Promise<number>;
  close(): void;
}

export async function openSocket(address: string, host: string, port = 80): Promise<Socket> {
  const ws = new WebSocket(`ws://${address}:${port}/ws`, { headers: { host }, handshakeTimeout: 5_000 });
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    closed,
    close: () => ws.close(),
    ask: (text) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no websocket answer to "${text}" within 5 s`)), 5_000);
        ws.once('message', (data) => {
          clearTimeout(timer);
          resolve(JSON.parse(String(data)) as { version: string; node: string; echo: string });
        });
        ws.send(text, (error) => {
          if (error) {
            clearTimeout(timer);
            reject(error);
          }
        });
      }),
  };
}
