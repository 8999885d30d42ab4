import { HostError } from './errors';
import type { Hosts } from './manager';

/**
 * Inside a host: unmask PostgreSQL (hosts boot with it masked, see MASKED_UNITS), create a cluster when the
 * machine's installation has none, start it, and wait until it answers on /run/postgresql. The cluster's
 * files live in the host's overlay (tmpfs upper layer), so nothing reaches the machine's own cluster.
 */
export const START_POSTGRESQL = `set -eu
rm -f /etc/systemd/system/postgresql.service /etc/systemd/system/postgresql@.service
systemctl daemon-reload
if [ -z "$(pg_lsclusters --no-header 2>/dev/null)" ]; then
  pg_createcluster "$(ls /usr/lib/postgresql | sort -n | tail -1)" main >/dev/null
  systemctl daemon-reload
fi
systemctl start postgresql
for _ in $(seq 1 100); do pg_isready -q -h /run/postgresql && exit 0; sleep 0.2; done
echo "PostgreSQL did not answer on /run/postgresql within 20 s" >&2
pg_lsclusters >&2
exit 1
`;

/** Start PostgreSQL (Debian's `postgresql`, installed by scripts/setup.sh) in each named host, in parallel. */
export async function startPostgresql(hosts: Hosts, names: readonly string[]): Promise<void> {
  await Promise.all(
    names.map(async (name) => {
      const result = await hosts.exec(name, ['sh', '-c', START_POSTGRESQL], { timeoutMs: 60_000 });
      if (result.code !== 0) {
        throw new HostError(`could not start PostgreSQL in ${name}: ${(result.stderr || result.stdout).trim()}`, {
          host: name,
        });
      }
    }),
  );
}
