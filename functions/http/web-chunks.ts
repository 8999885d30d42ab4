import type { ByteStream } from '../ports';

/** Bytes of a web stream; cancels the stream when the consumer stops early (size cap). */
export async function* chunksOf(stream: ReadableStream<Uint8Array>): ByteStream {
  const reader = stream.getReader();
  let done = false;
  try {
    while (!done) {
      const next = await reader.read();
      done = next.done;
      if (next.value) yield next.value;
    }
  } finally {
    if (!done) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
