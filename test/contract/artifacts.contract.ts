import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ArtifactDigestError, ArtifactNotFoundError, ArtifactTooLargeError } from '../../functions/core/errors';
import type { ArtifactStore, ByteStream } from '../../functions/ports';

export interface ArtifactsUnderTest {
  readonly artifacts: ArtifactStore;
  teardown(): Promise<void>;
}

export interface ArtifactsContractOptions<U extends ArtifactsUnderTest = ArtifactsUnderTest> {
  /**
   * Everything the store holds, by its own names (files, objects, multipart uploads, temporary files), to prove
   * an aborted upload left nothing behind. Adapters that cannot list everything pass `undefined` and say so in
   * their test file; the suite then checks the aborted key through `head` only.
   */
  readonly listEverything?: (under: U) => Promise<string[]>;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Deterministic bytes of any length, produced lazily in chunks. */
export async function* bytes(total: number, chunkSize = 64 * 1024): AsyncGenerator<Uint8Array> {
  for (let sent = 0; sent < total; sent += chunkSize) {
    const chunk = new Uint8Array(Math.min(chunkSize, total - sent));
    for (let i = 0; i < chunk.length; i++) chunk[i] = (sent + i) % 251;
    yield chunk;
  }
}

/** A body of a few small chunks, as an async stream (arrays are not `ByteStream`s). */
export async function* chunks(...parts: (string | Uint8Array)[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield typeof part === 'string' ? Buffer.from(part) : part;
}

async function collect(stream: ByteStream): Promise<{ data: Buffer; chunks: number }> {
  const parts: Uint8Array[] = [];
  for await (const chunk of stream) parts.push(chunk);
  return { data: Buffer.concat(parts), chunks: parts.length };
}

/** The behaviour every {@link ArtifactStore} adapter must have. `setup` builds a fresh, empty store per test. */
export function artifactsContract<U extends ArtifactsUnderTest>(
  name: string,
  setup: () => Promise<U>,
  options: ArtifactsContractOptions<U> = {},
) {
  async function withStore(test: (s: U) => Promise<void>): Promise<void> {
    const s = await setup();
    try {
      await test(s);
    } finally {
      await s.teardown();
    }
  }

  describe(`ArtifactStore contract: ${name}`, () => {
    it('stores content-addressed under sha256/<hex> with sha256 and size', () =>
      withStore(async ({ artifacts }) => {
        const body = Buffer.from('hello release');
        const stored = await artifacts.put(chunks(body));
        expect(stored).toEqual({ key: `sha256/${sha256(body)}`, sha256: sha256(body), size: body.length });
        expect(await artifacts.head(stored.key)).toEqual(stored);
        expect((await collect(await artifacts.get(stored.key))).data.equals(body)).toBe(true);
      }));

    it('stores under a given key, and a second put replaces it', () =>
      withStore(async ({ artifacts }) => {
        const key = 'bundles/hello/staging/d-001.tgz';
        await artifacts.put(chunks('first'), { key });
        const second = await artifacts.put(chunks('second!'), { key });
        expect(second).toEqual({ key, sha256: sha256(Buffer.from('second!')), size: 7 });
        expect(await artifacts.head(key)).toEqual(second);
        expect((await collect(await artifacts.get(key))).data.toString()).toBe('second!');
      }));

    it('stores an empty body', () =>
      withStore(async ({ artifacts }) => {
        const stored = await artifacts.put(chunks(), { key: 'empty/file' });
        expect(stored).toMatchObject({ size: 0, sha256: sha256(new Uint8Array()) });
        expect((await collect(await artifacts.get('empty/file'))).data.length).toBe(0);
      }));

    it('streams a large body in and out in chunks, with the right hash', () =>
      withStore(async ({ artifacts }) => {
        const size = 6 * 1024 * 1024 + 17;
        const expected = (await collect(bytes(size))).data;
        const stored = await artifacts.put(bytes(size), { key: 'releases/big.tar.gz' });
        expect(stored).toMatchObject({ size, sha256: sha256(expected) });
        const { data, chunks } = await collect(await artifacts.get('releases/big.tar.gz'));
        expect(chunks).toBeGreaterThan(1);
        expect(data.equals(expected)).toBe(true);
      }));

    it('fails with ArtifactTooLargeError past maxBytes without reading the whole body, storing nothing', () =>
      withStore(async (under) => {
        const { artifacts } = under;
        let closed = false;
        async function* endless(): AsyncGenerator<Uint8Array> {
          try {
            for (;;) yield new Uint8Array(64 * 1024);
          } finally {
            closed = true;
          }
        }
        const before = options.listEverything ? await options.listEverything(under) : [];
        await expect(artifacts.put(endless(), { key: 'uploads/huge', maxBytes: 1024 * 1024 })).rejects.toBeInstanceOf(
          ArtifactTooLargeError,
        );
        expect(closed).toBe(true);
        await expect(artifacts.put(bytes(1025), { maxBytes: 1024 })).rejects.toBeInstanceOf(ArtifactTooLargeError);
        expect(await artifacts.head('uploads/huge')).toBeUndefined();
        expect(await artifacts.head(`sha256/${sha256((await collect(bytes(1025))).data)}`)).toBeUndefined();
        if (options.listEverything) expect(await options.listEverything(under)).toEqual(before);
      }));

    it('stores a body with a declared sha256 (and size) straight under sha256/<hex>', () =>
      withStore(async (under) => {
        const body = (await collect(bytes(300 * 1024))).data;
        for (const declared of [{ sha256: sha256(body) }, { sha256: sha256(body), size: body.length }]) {
          const stored = await under.artifacts.put(chunks(body), declared);
          expect(stored).toEqual({ key: `sha256/${sha256(body)}`, sha256: sha256(body), size: body.length });
          expect(await under.artifacts.head(stored.key)).toEqual(stored);
          expect((await collect(await under.artifacts.get(stored.key))).data.equals(body)).toBe(true);
        }
        if (options.listEverything) expect(await options.listEverything(under)).toContain(`sha256/${sha256(body)}`);
      }));

    it('fails with ArtifactDigestError on bytes that differ from the declared sha256, storing and replacing nothing', () =>
      withStore(async (under) => {
        const { artifacts } = under;
        const good = Buffer.from('the real release');
        const bad = Buffer.from('something else!');
        const before = options.listEverything ? await options.listEverything(under) : [];
        for (const size of [{}, { size: bad.length }]) {
          await expect(artifacts.put(chunks(bad), { sha256: sha256(good), ...size })).rejects.toBeInstanceOf(
            ArtifactDigestError,
          );
        }
        expect(await artifacts.head(`sha256/${sha256(good)}`)).toBeUndefined();
        if (options.listEverything) expect(await options.listEverything(under)).toEqual(before);
        // A forged upload claiming an existing object's digest leaves that object as it was.
        const stored = await artifacts.put(chunks(good));
        for (const size of [{}, { size: bad.length }]) {
          await expect(artifacts.put(chunks(bad), { sha256: sha256(good), ...size })).rejects.toBeInstanceOf(
            ArtifactDigestError,
          );
        }
        expect((await collect(await artifacts.get(stored.key))).data.equals(good)).toBe(true);
      }));

    it('accepts a body of exactly maxBytes', () =>
      withStore(async ({ artifacts }) => {
        expect(await artifacts.put(bytes(1024), { maxBytes: 1024 })).toMatchObject({ size: 1024 });
      }));

    it('answers head with undefined and get with ArtifactNotFoundError for a missing key', () =>
      withStore(async ({ artifacts }) => {
        expect(await artifacts.head('releases/none.tar.gz')).toBeUndefined();
        await expect(artifacts.get('releases/none.tar.gz')).rejects.toBeInstanceOf(ArtifactNotFoundError);
      }));

    it('deletes an object, and deleting a missing one is not an error', () =>
      withStore(async ({ artifacts }) => {
        const stored = await artifacts.put(chunks('bye'));
        await artifacts.delete(stored.key);
        expect(await artifacts.head(stored.key)).toBeUndefined();
        await expect(artifacts.get(stored.key)).rejects.toBeInstanceOf(ArtifactNotFoundError);
        await expect(artifacts.delete(stored.key)).resolves.toBeUndefined();
      }));

    it('fails on keys that climb out or are absolute', () =>
      withStore(async ({ artifacts }) => {
        for (const key of ['../escape', 'a/../../b', '/etc/passwd']) {
          await expect(artifacts.put(chunks('x'), { key }), key).rejects.toThrow(key);
        }
      }));
  });
}
