import { createHash } from 'node:crypto';
import { ArtifactDigestError, TarmacError } from '../../core/errors';
import type { ByteStream } from '../../ports';

/** `body` passed through a sha256 and a byte count; more bytes than `size` is an error at once. */
export function countAndHash(body: ByteStream, size: number) {
  const hash = createHash('sha256');
  let seen = 0;
  async function* chunks(): AsyncGenerator<Uint8Array> {
    for await (const chunk of body) {
      seen += chunk.byteLength;
      if (seen > size) throw new TarmacError(`artifact is longer than its declared ${size} bytes — nothing was stored`);
      hash.update(chunk);
      yield chunk;
    }
  }
  return {
    chunks: chunks(),
    /** After the last chunk: throws unless the bytes were exactly the declared ones. */
    verify(declared: string): void {
      const actual = hash.digest('hex');
      if (seen !== size)
        throw new TarmacError(`artifact is ${seen} bytes, not its declared ${size} — nothing was stored`);
      if (actual !== declared) throw new ArtifactDigestError(declared, actual);
    },
  };
}
