import { describe, expect, it } from 'vitest';
import { renderBundle } from '../../../functions/bundle/render';
import { renderInput } from './fixture';

const example = (database: string) => `fleets: { web: { hosts: [h1, h2] } }
apps:
  hello:
    repo: o/hello
    release: hello
    migrate: Hello.Release.migrate()
    fleet: web
    environments:
      staging: { port: 4001 ${database} }
`;

function render(database: string) {
  const files = renderBundle(renderInput({}, example(database)));
  const text = (path: string) => files.find((f) => f.path === path)?.content ?? '';
  return { files, unit: text('tarmac/tarmac-hello-staging.service'), env: text('tarmac/instance.env') };
}

describe('bundle of an instance with a database', () => {
  it('local: the socket, its name and role in Environment=, provisioning and per-host migration in instance.env', () => {
    const { files, unit, env } = render(', database: hello_staging');
    for (const line of [
      'After=postgresql.service',
      'Environment="DATABASE_HOST=/run/postgresql"',
      'Environment="DATABASE_NAME=hello_staging"',
      'Environment="DATABASE_USER=tarmac_hello_staging"',
    ])
      expect(unit.split('\n')).toContain(line);
    expect(env).toContain("TARMAC_DATABASE_KIND='local'");
    expect(env).toContain("TARMAC_DATABASE_NAME='hello_staging'");
    expect(env).toContain("TARMAC_MIGRATE_SCOPE='host'");
    expect(files.map((f) => f.path)).toContain('tarmac/database.sh');
    expect(unit).not.toContain('database_password');
  });

  it('external: host, port, name and user in Environment=, the password only as a credential', () => {
    const { files, unit, env } = render(', database: { host: 10.0.0.5, port: 6432, name: hello, user: app }');
    expect(unit).toContain('Environment="DATABASE_HOST=10.0.0.5"\nEnvironment="DATABASE_PORT=6432"');
    expect(unit).toContain('Environment="DATABASE_NAME=hello"\nEnvironment="DATABASE_USER=app"');
    expect(unit).toContain('LoadCredential=database_password:/etc/tarmac/hello-staging/credentials/database_password');
    expect(unit).not.toContain('After=postgresql.service');
    expect(files.map((f) => f.content).join('\n')).not.toContain('DATABASE_PASSWORD=');
    expect(env).toContain("TARMAC_DATABASE_KIND='external'");
    expect(env).toContain("TARMAC_MIGRATE_SCOPE='fleet'");
  });

  it('none: no DATABASE_* variable, nothing to provision, migrations once across the fleet', () => {
    const { unit, env } = render('');
    expect(unit).not.toContain('DATABASE_');
    expect(env).toContain("TARMAC_DATABASE_KIND='none'");
    expect(env).toContain("TARMAC_MIGRATE_SCOPE='fleet'");
  });

  it('on a database host of the fleet: reached by its name over TCP, the password a credential, once per fleet', () => {
    const { files, unit, env } = render(', database: { server: h2 }');
    expect(unit).toContain('Environment="DATABASE_HOST=h2"\nEnvironment="DATABASE_PORT=5432"');
    expect(unit).toContain(
      'Environment="DATABASE_NAME=hello_staging"\nEnvironment="DATABASE_USER=tarmac_hello_staging"',
    );
    expect(unit).toContain('LoadCredential=database_password:/etc/tarmac/hello-staging/credentials/database_password');
    expect(env).toContain("TARMAC_DATABASE_KIND='server'");
    expect(env).toContain("TARMAC_DATABASE_SERVER='h2'");
    expect(env).toContain("TARMAC_MIGRATE_SCOPE='fleet'");
    expect(files.map((f) => f.path)).toContain('tarmac/database-server.sh');
  });
});
