import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
// @ts-expect-error s3rver ships no type declarations; the two methods used are typed below.
import S3rverModule from 's3rver';

interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
const S3rver = S3rverModule as new (options: Record<string, unknown>) => S3rverInstance;

export interface RunningS3 {
  readonly bucket: string;
  /** Client settings that reach this server only: loopback endpoint, path style, fake credentials. */
  readonly clientConfig: S3ClientConfig;
  stop(): Promise<void>;
}

/**
 * Start s3rver in this process on a random loopback port, with a fresh temporary directory and one bucket.
 * Start it once per test file (it takes a few milliseconds, but there is no reason to pay it per test).
 */
export async function startS3rver(bucket = 'tarmac-test'): Promise<RunningS3> {
  const directory = mkdtempSync(join(tmpdir(), 'tarmac-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  const { port } = await server.run();
  return {
    bucket,
    clientConfig: {
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      // s3rver predates the SDK's default CRC32 trailers (aws-chunked bodies); send checksums only when required.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 1,
    },
    async stop() {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
