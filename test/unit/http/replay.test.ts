import { afterEach, describe, expect, it } from 'vitest';
import { sha256Hex, signedJsonHeaders, signedUploadHeaders } from '../../../functions/http/signing';
import type { UploadUrls } from '../../../functions/ports';
import { type HttpHarness, httpHarness, SECRETS } from '../../support/http-harness';

let h: HttpHarness;
afterEach(() => h?.close());

const bytes = Buffer.from('release bytes');

describe('signed requests are usable once within their 300 s window', () => {
  it('refuses a replayed signed upload (same headers): one stored object, not two', async () => {
    h = await httpHarness();
    const headers = signedUploadHeaders(
      SECRETS.build_webhook_secret,
      { app: 'hello', version: '1.0.0', sha256: sha256Hex(bytes) },
      h.nowSec(),
    );
    const put = () => h.app.request('/artifacts/hello/1.0.0', { method: 'PUT', body: bytes, headers });
    expect((await put()).status).toBe(201);
    h.clock.advance(10_000);
    const replay = await put();
    expect(replay.status).toBe(409);
    expect(await replay.text()).toContain('this signed upload was already used');
    expect(h.storedFiles().filter((name) => !name.endsWith('.json'))).toHaveLength(1);
  });

  it('lets the same signed upload be retried when the first attempt stored nothing (body mismatch)', async () => {
    h = await httpHarness();
    const headers = signedUploadHeaders(
      SECRETS.build_webhook_secret,
      { app: 'hello', version: '1.0.0', sha256: sha256Hex(bytes) },
      h.nowSec(),
    );
    const wrong = await h.app.request('/artifacts/hello/1.0.0', { method: 'PUT', body: Buffer.from('torn'), headers });
    expect(wrong.status).toBe(400);
    expect((await h.app.request('/artifacts/hello/1.0.0', { method: 'PUT', body: bytes, headers })).status).toBe(201);
  });

  it('refuses a replayed signed upload-url request: one presigned URL per signature', async () => {
    const presigned: string[] = [];
    const uploadUrls: UploadUrls = {
      presignPut: async (key) => {
        presigned.push(key);
        return { url: `https://bucket.s3.example/${key}?X-Amz-Signature=x`, headers: {} };
      },
    };
    h = await httpHarness({ override: () => ({ uploadUrls }) });
    const body = JSON.stringify({ app: 'hello', version: '1.0.0' });
    const headers = signedJsonHeaders(SECRETS.build_webhook_secret, body, h.nowSec());
    const ask = () => h.app.request('/artifacts/hello/1.0.0/upload-url', { method: 'POST', body, headers });
    expect((await ask()).status).toBe(201);
    expect((await ask()).status).toBe(409);
    expect(presigned).toHaveLength(1);
  });
});
