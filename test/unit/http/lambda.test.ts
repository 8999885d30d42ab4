import type { APIGatewayProxyResult } from 'aws-lambda';
import { handle } from 'hono/aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { httpApiV2Event } from '../../fixtures/events/http-api-v2';
import { githubHeaders, type HttpHarness, httpHarness, pushEvent } from '../../support/http-harness';

let h: HttpHarness;
afterEach(() => h?.close());

describe('the app behind hono/aws-lambda (Function URL / HTTP API v2 events)', () => {
  it('answers /health', async () => {
    h = await httpHarness();
    const result = (await handle(h.app)(httpApiV2Event('GET', '/health'))) as APIGatewayProxyResult;
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toEqual({ status: 'ok' });
  });

  it('verifies a base64-encoded GitHub push over its decoded bytes and enqueues it', async () => {
    h = await httpHarness();
    const body = JSON.stringify(pushEvent());
    const event = httpApiV2Event('POST', '/webhooks/github', {
      headers: githubHeaders(body, 'push', 'lambda-delivery-1'),
      body,
      base64: true,
    });
    const result = (await handle(h.app)(event)) as APIGatewayProxyResult;
    expect(result.statusCode).toBe(202);
    expect(result.headers?.['x-tarmac-correlation-id']).toMatch(/^[0-9A-Z]{26}$/);
    expect(await h.drain()).toMatchObject([{ type: 'push', app: 'hello', branch: 'main' }]);
  });

  it('fails with 401 when the event body was altered', async () => {
    h = await httpHarness();
    const body = JSON.stringify(pushEvent());
    const event = httpApiV2Event('POST', '/webhooks/github', {
      headers: githubHeaders(body, 'push', 'lambda-delivery-2'),
      body: body.replace('octocat', 'mallory'),
    });
    const result = (await handle(h.app)(event)) as APIGatewayProxyResult;
    expect(result.statusCode).toBe(401);
    expect(await h.drain()).toEqual([]);
  });
});
