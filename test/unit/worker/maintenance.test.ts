import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CommandOutcome, FleetCommands, FleetTarget } from '../../../functions/ports';
import { getMaintenance, maintenanceHistory } from '../../../functions/state/maintenance';
import { createWorker } from '../../../functions/worker/worker';
import { workerHarness } from '../../support/worker-harness';

const traffic = readFileSync(new URL('../../../examples/traffic.yml', import.meta.url), 'utf8');

/** Records what it was asked to run; hosts named in `down` fail. */
class FakeFleet implements FleetCommands {
  readonly runs: { target: FleetTarget; script: string; comment: string }[] = [];
  constructor(private readonly down: readonly string[] = []) {}
  async run(target: FleetTarget, script: string, options: { comment: string }): Promise<CommandOutcome[]> {
    this.runs.push({ target, script, comment: options.comment });
    return target.hosts.map((host) =>
      this.down.includes(host)
        ? { host, ok: false, output: 'nsenter: no such process' }
        : { host, ok: true, output: '' },
    );
  }
}

const setup = (fleet: FakeFleet, config = traffic) => {
  const h = workerHarness(config);
  return { h, worker: createWorker({ ...h.deps, fleetCommands: fleet }) };
};

describe('maintenance job', () => {
  it('switches the flag on every host of the fleet, records it, and says so to whoever asked', async () => {
    const fleet = new FakeFleet();
    const { h, worker } = setup(fleet);
    const result = await worker.handle(
      h.job('maintenance', { env: 'production', on: true, by: 'alice', reason: 'db move' }),
    );
    expect(result).toMatchObject({
      outcome: 'done',
      message: 'hello/production maintenance on by alice: "db move" on 2 host(s) (h1, h2)',
    });
    expect(fleet.runs[0]?.target).toEqual({ fleet: 'web', hosts: ['h1', 'h2'], ec2Tags: { 'tarmac-fleet': 'web' } });
    expect(fleet.runs[0]?.script).toContain('touch /etc/nginx/tarmac/hello-production/maintenance');
    expect(await getMaintenance(h.deps.state, 'hello', 'production')).toMatchObject({
      on: true,
      by: 'alice',
      hosts: ['h1', 'h2'],
    });
    expect(h.notifications.at(-1)?.text).toContain('maintenance on');

    h.clock.advance(60_000);
    await worker.handle(h.job('maintenance', { env: 'production', on: false, by: 'bob' }));
    expect((await maintenanceHistory(h.deps.state, 'hello', 'production')).map((m) => [m.on, m.by])).toEqual([
      [false, 'bob'],
      [true, 'alice'],
    ]);
  });

  it('fails naming the hosts it could not switch (the others are switched)', async () => {
    const { h, worker } = setup(new FakeFleet(['h2']));
    const result = await worker.handle(h.job('maintenance', { env: 'staging', on: true, by: 'alice' }));
    expect(result).toMatchObject({ outcome: 'failed' });
    expect(result.message).toContain('on 1 host(s) (h1); FAILED on h2: nsenter: no such process');
    expect(h.notifications.at(-1)?.kind).toBe('rejected');
  });

  it('refuses an instance without nginx, saying how to enable it, and switches nothing', async () => {
    const fleet = new FakeFleet();
    const { h, worker } = setup(fleet, readFileSync(new URL('../../../examples/tarmac.yml', import.meta.url), 'utf8'));
    const result = await worker.handle(h.job('maintenance', { env: 'staging', on: true, by: 'alice' }));
    expect(result.outcome).toBe('failed');
    expect(result.message).toContain('hello/staging has no nginx in front of it');
    expect(fleet.runs).toEqual([]);
    expect(await getMaintenance(h.deps.state, 'hello', 'staging')).toBeUndefined();
  });
});
