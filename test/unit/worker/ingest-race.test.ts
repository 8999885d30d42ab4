import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { Job } from '../../../functions/core/jobs';
import type { ByteStream } from '../../../functions/ports';
import { keys } from '../../../functions/state/keys';
import { ContentBeingDroppedError } from '../../../functions/worker/content-refs';
import type { CheckResult } from '../../../functions/worker/deps';
import { createWorker } from '../../../functions/worker/worker';
import { helloConfigText } from '../../support/config-text';
import { workerHarness } from '../../support/worker-harness';

// Two apps whose release names differ: the same tarball passes for one and is refused for the other.
const TWO_APPS = `${helloConfigText('{ hosts: [h1] }', '      staging: { port: 4001 }').trimEnd()}
  other:
    repo: acme/other
    release: other
    fleet: web
    environments:
      staging: { port: 4003 }
`;

async function bytesOf(body: ByteStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/**
 * A checker that has read the whole tarball, then waits to be let go before answering: `hello` accepts, any
 * other release name is refused (the tarball holds bin/hello only).
 */
function gatedChecker() {
  let open: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  let reading: () => void = () => {};
  const read = new Promise<void>((resolve) => {
    reading = resolve;
  });
  const check = async (body: ByteStream, { releaseName }: { releaseName: string }): Promise<CheckResult> => {
    const bytes = await bytesOf(body);
    if (releaseName !== 'hello') return { ok: false, entry: `bin/${releaseName}`, reason: 'missing' };
    reading();
    await gate;
    return { ok: true, sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length };
  };
  return { check, read, open };
}

describe('two ingests of the same bytes for different apps, at the same time', () => {
  let h: ReturnType<typeof workerHarness>;
  afterEach(() => h?.close());

  const ingest = (app: string, key: string, n: number): Job =>
    ({
      v: 1,
      type: 'ingest',
      idempotencyKey: `race-${app}-${n}`,
      correlationId: `c-${n}`,
      app,
      version: '1.0.0',
      artifactKey: key,
      uploadedBy: 'ci',
    }) as Job;

  for (const via of ['content-addressed', 'uploads/']) {
    it(`keeps the object the other is about to accept (${via} upload)`, async () => {
      h = workerHarness(TWO_APPS);
      const gated = gatedChecker();
      const worker = createWorker({ ...h.deps, checkRelease: gated.check });
      const bytes = Buffer.from('the same tarball bytes for both apps');
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const put = (key?: string) => h.deps.artifacts.put(Readable.from([bytes]), key ? { key } : {});
      const keyA = (await put(via === 'uploads/' ? 'uploads/hello/1' : undefined)).key;
      const keyB = (await put(via === 'uploads/' ? 'uploads/other/1' : undefined)).key;

      const job = ingest('hello', keyA, 1);
      const accepting = worker.handle(job).catch((error: unknown) => error);
      await gated.read; // hello's ingest has read the bytes and is about to accept them
      const refused = await worker.handle(ingest('other', keyB, 2));
      expect(refused).toMatchObject({ outcome: 'rejected' });
      gated.open();
      if (via === 'content-addressed') {
        // It held the object before reading it: the rejection kept it.
        expect(await accepting).toMatchObject({ outcome: 'done' });
      } else {
        // Its copy is only known once made: when the rejection dropped it first, it backs off and the queue's
        // retry copies the upload again (which of the two happens depends on which copy finished first).
        const first = await accepting;
        const final = first instanceof ContentBeingDroppedError ? await worker.handle(job) : first;
        expect(final).toMatchObject({ outcome: 'done' });
      }

      const release = await h.deps.state.get<{ artifactKey: string }>(keys.release('hello', sha256));
      expect(release?.value.artifactKey).toBe(`sha256/${sha256}`);
      expect(await h.deps.artifacts.head(`sha256/${sha256}`)).toMatchObject({ sha256, size: bytes.length });
      // Nothing of the bookkeeping is left behind.
      expect(await h.deps.state.query(`content#${sha256}`)).toEqual([]);
    });
  }

  it('still drops a refused upload nobody else holds or accepted', async () => {
    h = workerHarness(TWO_APPS);
    const worker = createWorker({ ...h.deps, checkRelease: gatedChecker().check });
    const stored = await h.deps.artifacts.put(Readable.from([Buffer.from('refused bytes')]));
    expect(await worker.handle(ingest('other', stored.key, 3))).toMatchObject({ outcome: 'rejected' });
    expect(await h.deps.artifacts.head(stored.key)).toBeUndefined();
    expect(await h.deps.state.query(`content#${stored.sha256}`)).toEqual([]);
  });
});
