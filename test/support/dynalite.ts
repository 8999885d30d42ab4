import type { AddressInfo, Server } from 'node:net';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
// @ts-expect-error dynalite ships no type declarations; it returns a node http.Server.
import dynaliteModule from 'dynalite';
import { createStateTable } from './state-table';

const dynalite = dynaliteModule as (options: Record<string, unknown>) => Server;

export interface RunningDynamo {
  /** Client settings that reach this server only: loopback endpoint, fake credentials. */
  readonly clientConfig: DynamoDBClientConfig;
  /** Create a fresh table with tarmac's key schema (`pk`/`sk` strings); returns its name. */
  createTable(name: string): Promise<string>;
  stop(): Promise<void>;
}

/** Start dynalite (in memory) in this process on a random loopback port. Start it once per test file. */
export async function startDynalite(): Promise<RunningDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const clientConfig: DynamoDBClientConfig = {
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'fake', secretAccessKey: 'fake' },
    maxAttempts: 1,
  };
  const admin = new DynamoDBClient(clientConfig);
  return {
    clientConfig,
    createTable: (name) => createStateTable(admin, name),
    async stop() {
      admin.destroy();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
