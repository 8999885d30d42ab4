import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';

/** The moto version this suite was written against; others may work but are not what the notes describe. */
export const MOTO_TESTED_VERSION = '5.2.1';

export interface RunningMoto {
  /** `http://<host>:<port>`: give it to SDK clients as `endpoint` or to the `aws` CLI as `AWS_ENDPOINT_URL`. */
  readonly endpoint: string;
  readonly host: string;
  readonly port: number;
  /** Client settings that reach this server only: its endpoint, a region, fake credentials, no retries. */
  readonly clientConfig: {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
    maxAttempts: number;
  };
  /** Environment for a child process (the `aws` CLI, a hook) that must reach this server only. */
  readonly env: Record<string, string>;
  /** Forget every resource (moto's reset API); cheaper than a new server between tests. */
  reset(): Promise<void>;
  /** Stop the server (its whole process group) and wait for it to exit. */
  stop(): Promise<void>;
}

export interface StartMotoOptions {
  /** Address to listen on (default 127.0.0.1); `0.0.0.0` lets local test hosts reach it over their veth. */
  readonly listen?: string;
  /** Address clients use to reach it (default: `listen`, or 127.0.0.1 when listening on 0.0.0.0). */
  readonly advertise?: string;
  readonly region?: string;
}

/**
 * Fail with a clear message when moto is not installed. moto ships on this machine kind (Python, PyPI is
 * unreachable from here), so a missing moto cannot be fixed by the project's setup: say what to do instead.
 */
export function assertMotoInstalled(): string {
  const probe = spawnSync('python3', ['-c', 'import moto, sys; sys.stdout.write(moto.__version__)'], {
    encoding: 'utf8',
  });
  if (probe.status !== 0) {
    throw new Error(
      'moto (the AWS API emulator) is not installed for python3: the AWS tests need it. ' +
        `Install moto ${MOTO_TESTED_VERSION} with its server extra (pip install 'moto[server]==${MOTO_TESTED_VERSION}') ` +
        `on a machine that reaches PyPI; it cannot be installed from here. (${(probe.stderr || probe.error?.message || '').trim()})`,
    );
  }
  return probe.stdout.trim();
}

/**
 * Start one moto server (`python3 -m moto.server`) on a free port, in its own process group, and wait until
 * it answers. Start it once per test file; `reset()` between tests when they must not see each other's data.
 */
export async function startMoto(options: StartMotoOptions = {}): Promise<RunningMoto> {
  assertMotoInstalled();
  const listen = options.listen ?? '127.0.0.1';
  const host = options.advertise ?? (listen === '0.0.0.0' ? '127.0.0.1' : listen);
  const region = options.region ?? 'us-east-1';
  const port = await freePort(listen);
  const child = spawn('python3', ['-m', 'moto.server', '-H', listen, '-p', String(port)], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, MOTO_CALL_RESET_API: 'true' },
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const endpoint = `http://${host}:${port}`;
  try {
    await waitUntilUp(endpoint, child, () => stderr);
  } catch (error) {
    kill(child);
    throw error;
  }
  const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
  return {
    endpoint,
    host,
    port,
    clientConfig: { endpoint, region, credentials, maxAttempts: 1 },
    env: {
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    },
    async reset() {
      const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (!response.ok) throw new Error(`moto reset answered ${response.status}`);
    },
    async stop() {
      const exited = new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) resolve();
        else child.once('exit', () => resolve());
      });
      kill(child);
      await exited;
    },
  };
}

function kill(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL'); // its own process group: moto and any worker it forked
  } catch {
    // already gone
  }
}

async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilUp(endpoint: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`moto server exited with ${child.exitCode} before it answered: ${stderr().trim()}`);
    }
    try {
      const response = await fetch(`${endpoint}/moto-api/data.json`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`moto server did not answer on ${endpoint} within 30 s: ${stderr().trim()}`);
}
