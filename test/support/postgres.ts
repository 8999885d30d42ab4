import type { HostManager, HostRecord } from '../../functions/hosts/manager';
import { run } from '../../functions/hosts/run';

/** Run a shell script in a host as root; its stdout, trimmed, or an error naming the script. */
export async function sh(manager: HostManager, host: string, script: string): Promise<string> {
  const result = await manager.exec(host, ['sh', '-c', script]);
  if (result.code !== 0) throw new Error(`${host}: ${script} failed: ${result.stderr || result.stdout}`);
  return result.stdout.trim();
}

/** psql as OS user (and role) `user` over the host's socket, the SQL on stdin (so no value is in argv). */
export function psql(manager: HostManager, host: string, db: string, sql: string, user = 'postgres') {
  const argv = ['runuser', '-u', user, '--', 'psql', '-X', '-At', '-h', '/run/postgresql', '-d', db];
  return manager.exec(host, argv, { input: sql });
}

/**
 * A veth pair straight between two hosts' network namespaces (created there, never on the machine), with
 * 10.214.0.1 and 10.214.0.2: traffic only between the test's own hosts.
 */
export async function linkHosts(manager: HostManager, [a, b]: HostRecord[]): Promise<void> {
  if (!a || !b) throw new Error('linkHosts needs two hosts');
  const argv = ['ip', 'link', 'add', 'tdb1', 'netns', String(a.pid1), 'type', 'veth'];
  const made = await run([...argv, 'peer', 'name', 'tdb2', 'netns', String(b.pid1)]);
  if (made.code !== 0) throw new Error(`ip link add: ${made.stderr}`);
  await sh(manager, a.name, 'ip addr add 10.214.0.1/24 dev tdb1 && ip link set tdb1 up');
  await sh(manager, b.name, 'ip addr add 10.214.0.2/24 dev tdb2 && ip link set tdb2 up');
}

/**
 * What a DBA does for an external database on `host`'s server: listen on 10.214.0.1 too, let `name` log in
 * from 10.214.0.0/24 with a password, create the role (LOGIN, that password) and its database.
 */
export async function externalDatabase(manager: HostManager, host: string, name: string, password: string) {
  await sh(
    manager,
    host,
    `dir=$(ls -d /etc/postgresql/*/main | tail -1)
echo "listen_addresses = 'localhost,10.214.0.1'" > "$dir/conf.d/tarmac-test.conf"
echo 'host ${name} ${name} 10.214.0.0/24 scram-sha-256' >> "$dir/pg_hba.conf"
systemctl restart postgresql && until pg_isready -q -h 10.214.0.1; do sleep 0.2; done`,
  );
  const sql = `CREATE ROLE ${name} LOGIN PASSWORD '${password}';\nCREATE DATABASE ${name} OWNER ${name};\n`;
  const made = await psql(manager, host, 'postgres', sql);
  if (made.code !== 0) throw new Error(`creating the external database ${name}: ${made.stderr}`);
}
