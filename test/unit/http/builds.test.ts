import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { sha256Hex, signedJsonHeaders, signedUploadHeaders } from '../../../functions/http/signing';
import type { UploadUrls } from '../../../functions/ports';
import { type HttpHarness, httpHarness, type Json, SECRETS } from '../../support/http-harness';

let h: HttpHarness;
afterEach(() => h?.close());

function upload(bytes: Uint8Array, options: { sha256?: string; version?: string } = {}) {
  const target = { app: 'hello', version: options.version ?? '1.0.0', sha256: options.sha256 ?? sha256Hex(bytes) };
  return h.app.request(`/artifacts/hello/${target.version}`, {
    method: 'PUT',
    body: bytes,
    headers: signedUploadHeaders(SECRETS.build_webhook_secret, target, h.nowSec()),
  });
}

function buildEvent(event: Record<string, unknown>) {
  const body = JSON.stringify(event);
  return h.app.request('/webhooks/builds', {
    method: 'POST',
    body,
    headers: signedJsonHeaders(SECRETS.build_webhook_secret, body, h.nowSec()),
  });
}

describe('PUT /artifacts/<app>/<version>', () => {
  it('streams the tarball straight to its content-addressed key and answers key, sha256 and size', async () => {
    h = await httpHarness();
    const bytes = randomBytes(200_000);
    const res = await upload(bytes);
    expect(res.status).toBe(201);
    const stored = (await res.json()) as { key: string; sha256: string; size: number };
    expect(stored).toMatchObject({ sha256: sha256Hex(bytes), size: bytes.length });
    expect(stored.key).toBe(`sha256/${sha256Hex(bytes)}`);
    expect(await h.adapters.artifacts.head(stored.key)).toMatchObject({ size: bytes.length });
    expect(h.storedFiles().length).toBeGreaterThan(0);
  });

  it('fails with 413 past the size cap and stores nothing', async () => {
    h = await httpHarness();
    const res = await upload(randomBytes(1024 * 1024 + 1));
    expect(res.status).toBe(413);
    expect(h.storedFiles()).toEqual([]);
  });

  it('stores nothing when the body does not match the signed sha256', async () => {
    h = await httpHarness();
    const res = await upload(Buffer.from('tampered'), { sha256: sha256Hex('original') });
    expect(res.status).toBe(400);
    expect(((await res.json()) as Json).error).toContain('nothing was stored');
    expect(h.storedFiles()).toEqual([]);
  });

  it('fails on unknown apps, bad versions and wrong content types', async () => {
    h = await httpHarness();
    const other = await h.app.request('/artifacts/nope/1.0.0', {
      method: 'PUT',
      body: 'x',
      headers: signedUploadHeaders(
        SECRETS.build_webhook_secret,
        { app: 'nope', version: '1.0.0', sha256: sha256Hex('x') },
        h.nowSec(),
      ),
    });
    expect(other.status).toBe(404);
    expect((await upload(Buffer.from('x'), { version: '_bad' })).status).toBe(400);
    const text = await h.app.request('/artifacts/hello/1.0.0', {
      method: 'PUT',
      body: 'x',
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
  });
});

describe('POST /artifacts/<app>/<version>/upload-url', () => {
  const request = (app: string, version: string, body = JSON.stringify({ app, version })) =>
    h.app.request(`/artifacts/${app}/${version}/upload-url`, {
      method: 'POST',
      body,
      headers: signedJsonHeaders(SECRETS.build_webhook_secret, body, h.nowSec()),
    });

  it('is not available in local mode', async () => {
    h = await httpHarness();
    const res = await request('hello', '1.0.0');
    expect(res.status).toBe(404);
    expect(((await res.json()) as Json).error).toContain('PUT /artifacts/hello/1.0.0');
  });

  const presigned: { key: string; maxBytes?: number; sha256?: string; size?: number }[] = [];
  const uploadUrls: UploadUrls = {
    presignPut: async (key, options) => {
      const { maxBytes, sha256, size } = options;
      presigned.push({ key, maxBytes, ...(sha256 ? { sha256 } : {}), ...(size !== undefined ? { size } : {}) });
      const headers: Record<string, string> = sha256 ? { 'x-sha': sha256 } : {};
      return { url: `https://bucket.s3.example/${key}?X-Amz-Signature=x`, headers };
    },
  };

  it('hands out a presigned PUT for a fresh uploads/ key when UploadUrls is given', async () => {
    presigned.length = 0;
    h = await httpHarness({ override: () => ({ uploadUrls }) });
    const res = await request('hello', '1.0.0');
    expect(res.status).toBe(201);
    const body = (await res.json()) as { key: string; url: string };
    expect(body.key).toMatch(/^uploads\/hello\/1\.0\.0\//);
    expect(presigned).toEqual([{ key: body.key, maxBytes: 1024 * 1024 }]);
    // The path is not signed: the signed body must name the same target.
    expect((await request('hello', '1.0.0', JSON.stringify({ app: 'hello', version: '9.9.9' }))).status).toBe(400);
  });

  it('presigns the content-addressed key when the signed request declares sha256 and size, and passes the headers on', async () => {
    presigned.length = 0;
    h = await httpHarness({ override: () => ({ uploadUrls }) });
    const sha256 = 'ab'.repeat(32);
    const res = await request('hello', '1.0.0', JSON.stringify({ app: 'hello', version: '1.0.0', sha256, size: 4096 }));
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ key: `sha256/${sha256}`, headers: { 'x-sha': sha256 } });
    expect(presigned).toEqual([{ key: `sha256/${sha256}`, maxBytes: 1024 * 1024, sha256, size: 4096 }]);
    const half = await request('hello', '1.0.0', JSON.stringify({ app: 'hello', version: '1.0.0', sha256 }));
    expect(half.status).toBe(400);
    expect(((await half.json()) as Json).error).toContain('sha256 and size together');
    const big = JSON.stringify({ app: 'hello', version: '1.0.0', sha256, size: 1024 * 1024 + 1 });
    expect((await request('hello', '1.0.0', big)).status).toBe(413);
    const bad = JSON.stringify({ app: 'hello', version: '1.0.0', sha256: 'ZZ', size: 1 });
    expect((await request('hello', '1.0.0', bad)).status).toBe(400);
    expect(presigned).toHaveLength(1);
  });
});

describe('POST /webhooks/builds', () => {
  it('enqueues an ingest job for an uploaded artifact, once per event id', async () => {
    h = await httpHarness();
    const stored = (await (await upload(Buffer.from('release bytes'))).json()) as { key: string };
    const event = {
      id: 'run-42',
      app: 'hello',
      version: '1.0.0',
      sha: 'abc1234',
      branch: 'main',
      artifact: stored.key,
    };
    const res = await buildEvent(event);
    expect(res.status).toBe(202);
    const again = await buildEvent(event);
    expect(await again.text()).toBe('duplicate');
    const jobs = await h.drain();
    expect(jobs).toEqual([
      {
        v: 1,
        type: 'ingest',
        idempotencyKey: 'build:run-42',
        correlationId: res.headers.get('x-tarmac-correlation-id'),
        app: 'hello',
        version: '1.0.0',
        artifactKey: stored.key,
        gitSha: 'abc1234',
        branch: 'main',
        uploadedBy: 'ci',
      },
    ]);
  });

  it('fails on unknown apps, missing artifacts and malformed events, with the JSON path', async () => {
    h = await httpHarness();
    const base = { id: 'e1', app: 'hello', version: '1.0.0', artifact: 'uploads/hello/1.0.0/none.tar.gz' };
    const unknownApp = await buildEvent({ ...base, app: 'nope' });
    expect(unknownApp.status).toBe(422);
    expect(await unknownApp.json()).toMatchObject({ path: 'app' });
    const missing = await buildEvent(base);
    expect(missing.status).toBe(422);
    expect(await missing.json()).toMatchObject({ path: 'artifact' });
    const badVersion = await buildEvent({ ...base, version: '../1' });
    expect(await badVersion.json()).toMatchObject({ path: 'version' });
    const extra = await buildEvent({ ...base, surprise: true });
    expect(extra.status).toBe(400);
    expect(await h.drain()).toEqual([]);
  });
});
