import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLocalAdapters } from '../../../../functions/adapters/local';
import { job } from '../../../contract/queue.contract';
import { FakeClock } from '../../../support/fake-clock';

describe('openLocalAdapters', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tarmac-data-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('lays out queue.db, state.db, artifacts/ and a 0700 secrets/ under the data directory', async () => {
    const data = join(dir, '.tarmac');
    const adapters = openLocalAdapters(data);
    await adapters.queue.send({ group: 'g', dedupKey: 'k', body: job('k') });
    await adapters.state.put({ pk: 'p', sk: 's' }, 1);
    await adapters.secrets.set('_global', 'github_webhook_secret', 'shh');
    adapters.close();
    expect(
      readdirSync(data)
        .filter((name) => !name.includes('-'))
        .sort(),
    ).toEqual(['artifacts', 'queue.db', 'secrets', 'state.db']);
    expect(statSync(join(data, 'secrets')).mode & 0o777).toBe(0o700);
  });

  it('shares the injected clock and makes ids from it', () => {
    const clock = new FakeClock('2031-05-06T07:08:09.000Z');
    const adapters = openLocalAdapters(dir, { clock });
    expect(adapters.clock).toBe(clock);
    const other = openLocalAdapters(join(dir, 'other'), { clock });
    expect(adapters.ids.next().slice(0, 10)).toBe(other.ids.next().slice(0, 10));
    adapters.close();
    other.close();
  });
});
