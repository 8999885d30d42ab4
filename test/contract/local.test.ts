import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { openLocalAdapters } from '../../functions/adapters/local';
import { FakeClock } from '../support/fake-clock';
import { artifactsContract } from './artifacts.contract';
import { queueContract } from './queue.contract';
import { secretsContract } from './secrets.contract';
import { stateContract } from './state.contract';

/** Fresh local adapters in a temporary data directory, removed by teardown. */
function openFresh() {
  const dir = mkdtempSync(join(tmpdir(), 'tarmac-contract-'));
  const clock = new FakeClock();
  const adapters = openLocalAdapters(dir, { clock });
  return {
    dir,
    clock,
    adapters,
    async teardown() {
      adapters.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Every file under a folder, temporary and metadata files included, relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

queueContract('local SqliteQueue', async () => {
  const { clock, adapters, teardown } = openFresh();
  return { queue: adapters.queue, clock, teardown };
});

stateContract('local SqliteStateStore', async () => {
  const { clock, adapters, teardown } = openFresh();
  return { state: adapters.state, clock, teardown };
});

artifactsContract(
  'local FsArtifactStore',
  async () => {
    const { dir, adapters, teardown } = openFresh();
    return { artifacts: adapters.artifacts, dir, teardown };
  },
  { listEverything: async (under) => filesUnder(join(under.dir, 'artifacts')) },
);

secretsContract(
  'local FileSecretStore',
  async () => {
    const { dir, adapters, teardown } = openFresh();
    return { secrets: adapters.secrets, dir: join(dir, 'secrets'), teardown };
  },
  { filePermissions: true },
);
