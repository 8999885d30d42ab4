import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpApiV2Event } from '../fixtures/events/http-api-v2';

type LambdaResult = {
  statusCode: number;
  headers?: Record<string, string>;
  body?: string;
  isBase64Encoded?: boolean;
};
type Handler = (event: ReturnType<typeof httpApiV2Event>) => Promise<unknown>;

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A stand-in for a Lambda Function URL: an HTTP server on loopback that hands every request to the webhook
 * Lambda's handler as a v2 event and writes its result back, so a real client (the CLI's `--server`) can
 * talk to the handler exactly as it would to the URL.
 */
export async function startLambdaFront(handler: Handler): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://front');
    const headers = Object.fromEntries(
      Object.entries(req.headers).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v]] : [])),
    );
    const body = await bodyOf(req);
    const event = {
      ...httpApiV2Event(req.method ?? 'GET', url.pathname, { headers, ...(body ? { body } : {}) }),
      rawQueryString: url.search.replace(/^\?/, ''),
      queryStringParameters: Object.fromEntries(url.searchParams),
    };
    const result = (await handler(event)) as LambdaResult;
    res.writeHead(result.statusCode, result.headers ?? {});
    res.end(result.body ? Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8') : undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
