import { describe, expect, it } from 'vitest';
import { InvalidJobError } from '../../../functions/core/errors';
import { parseJob } from '../../../functions/core/jobs';

const base = { v: 1, type: 'deployer-event', idempotencyKey: 'evt-1', correlationId: 'c-1', app: 'hello' };
const finished = { type: 'deployment.finished', deploymentId: 'd-1', status: 'failed', at: '2026-01-02T03:04:05.000Z' };

describe('parseJob: deployer-event', () => {
  it('accepts each deployer event shape and keeps its fields', () => {
    const events = [
      { type: 'deployment.started', deploymentId: 'd-1', externalId: 'd-ABC', at: '2026-01-02T03:04:05Z' },
      {
        type: 'host.event',
        deploymentId: 'd-1',
        host: 'h1',
        event: 'ValidateService',
        status: 'failed',
        at: '2026-01-02T03:04:05.000Z',
        tail: 'health check failed',
      },
      { ...finished, error: 'health', rolledBackTo: 'r-1', failedAt: '2026-01-02T03:04:00.000Z' },
    ];
    for (const event of events) expect(parseJob({ ...base, event })).toEqual({ ...base, event });
  });

  it('fails on an unknown event type, naming the path', () => {
    expect(() => parseJob({ ...base, event: { ...finished, type: 'deployment.exploded' } })).toThrow(/event\.type/);
  });

  it('fails on a status the event type does not have', () => {
    expect(() => parseJob({ ...base, event: { ...finished, status: 'in_progress' } })).toThrow(InvalidJobError);
  });

  it('fails on a lifecycle event CodeDeploy does not have, and on a time that is not ISO 8601', () => {
    const host = { type: 'host.event', deploymentId: 'd-1', host: 'h1', status: 'failed', at: finished.at };
    expect(() => parseJob({ ...base, event: { ...host, event: 'Launch' } })).toThrow(/event\.event/);
    expect(() => parseJob({ ...base, event: { ...finished, at: 'yesterday' } })).toThrow(/event\.at/);
  });

  it('fails on a field the event does not have (no silent extras)', () => {
    expect(() => parseJob({ ...base, event: { ...finished, hosts: [] } })).toThrow(/hosts/);
  });

  it('fails when the deployment id is missing', () => {
    const { deploymentId: _, ...rest } = finished;
    expect(() => parseJob({ ...base, event: rest })).toThrow(/event\.deploymentId/);
  });
});
