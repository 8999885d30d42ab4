import { describe, expect, it } from 'vitest';
import { lazyPort } from '../../../../functions/adapters/aws/lazy-port';

interface Counter {
  add(n: number): Promise<number>;
  total(): Promise<number>;
}

class RealCounter implements Counter {
  private sum = 0;
  async add(n: number) {
    this.sum += n;
    return this.sum;
  }
  async total() {
    return this.sum;
  }
}

describe('lazyPort', () => {
  it('builds the adapter on the first call only, once for concurrent first calls, and delegates every call', async () => {
    let loads = 0;
    const port = lazyPort<Counter>(async () => {
      loads += 1;
      return new RealCounter();
    });
    expect(loads).toBe(0);
    expect(await Promise.all([port.add(1), port.add(2)])).toEqual([1, 3]);
    expect(await port.total()).toBe(3);
    expect(loads).toBe(1);
  });

  it('retries a failed load on the next call', async () => {
    let attempt = 0;
    const port = lazyPort<Counter>(async () => {
      attempt += 1;
      if (attempt === 1) throw new Error('SDK not reachable');
      return new RealCounter();
    });
    await expect(port.add(1)).rejects.toThrow('SDK not reachable');
    expect(await port.add(5)).toBe(5);
  });

  it('is not a thenable, so awaiting the port itself does not load it', async () => {
    let loads = 0;
    const port = lazyPort<Counter>(async () => {
      loads += 1;
      return new RealCounter();
    });
    expect(await port).toBe(port);
    expect(loads).toBe(0);
  });
});
