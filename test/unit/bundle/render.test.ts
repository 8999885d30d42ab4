import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BundleInputError } from '../../../functions/bundle/errors';
import { renderBundle } from '../../../functions/bundle/render';
import { renderInput } from './fixture';

const fileOf = (files: ReturnType<typeof renderBundle>, path: string) => {
  const file = files.find((f) => f.path === path);
  if (!file) throw new Error(`no ${path} in bundle: ${files.map((f) => f.path).join(', ')}`);
  return file;
};

describe('renderBundle', () => {
  const files = renderBundle(renderInput());

  it('renders an appspec with version 0.0 as a number, five root hooks and no files section', () => {
    const text = fileOf(files, 'appspec.yml').content;
    expect(text).toMatch(/^version: 0\.0$/m);
    const appspec = parse(text);
    expect(appspec.version).toBe(0);
    expect(appspec.os).toBe('linux');
    expect(appspec.files).toBeUndefined();
    expect(Object.keys(appspec.hooks)).toEqual([
      'ApplicationStop',
      'BeforeInstall',
      'AfterInstall',
      'ApplicationStart',
      'ValidateService',
    ]);
    for (const [event, [hook]] of Object.entries<{ location: string; runas: string }[]>(appspec.hooks)) {
      expect(hook?.runas, event).toBe('root');
      expect(
        files.some((f) => f.path === hook?.location && f.mode === 0o755),
        event,
      ).toBe(true);
    }
    expect(appspec.hooks.ValidateService[0].timeout).toBe(30 + 60);
  });

  it('renders a hardened unit with credentials for every secret and only non-secrets in Environment=', () => {
    const unit = fileOf(files, 'tarmac/tarmac-hello-staging.service').content;
    const lines = unit.split('\n');
    for (const directive of [
      'User=tarmac_hello_staging',
      'Group=tarmac_hello_staging',
      'NoNewPrivileges=yes',
      'ProtectSystem=strict',
      'ProtectHome=yes',
      'PrivateTmp=yes',
      'PrivateDevices=yes',
      'ProtectKernelTunables=yes',
      'ProtectKernelModules=yes',
      'ProtectControlGroups=yes',
      'RestrictSUIDSGID=yes',
      'RemoveIPC=yes',
      'StateDirectory=tarmac/hello/staging',
      'RuntimeDirectory=tarmac-hello-staging',
      'LimitNOFILE=65536',
      'Restart=on-failure',
      'RestartSec=5',
      'ExecStart=/opt/tarmac/hello/staging/bin/tarmac-start start',
      'LoadCredential=erlang_cookie:/etc/tarmac/hello-staging/credentials/erlang_cookie',
      'LoadCredential=secret_key_base:/etc/tarmac/hello-staging/credentials/secret_key_base',
      'LoadCredential=database_password:/etc/tarmac/hello-staging/credentials/database_password',
      'Environment="RELEASE_TMP=/run/tarmac-hello-staging"',
      'Environment="RELEASE_NODE=hello_staging"',
      'Environment="PHX_HOST=staging.hello.example.com"',
      'Environment="POOL_SIZE=5"',
    ]) {
      expect(lines).toContain(directive);
    }
    const environment = lines.filter((l) => l.startsWith('Environment='));
    expect(environment.map((l) => l.replace(/^Environment="([A-Z_]+)=.*$/, '$1'))).toEqual([
      'PORT',
      'PHX_HOST',
      'RELEASE_NODE',
      'RELEASE_DISTRIBUTION',
      'RELEASE_TMP',
      'LANG',
      'ERL_CRASH_DUMP',
      'POOL_SIZE',
    ]);
  });

  it('never carries a secret value: bundles hold names and sources only', () => {
    // The start wrapper sets RELEASE_COOKIE to a flag (the cookie itself goes to a file): not a value.
    const text = files.map((f) => f.content.replaceAll('RELEASE_COOKIE=$COOKIE_FLAG', '')).join('\n');
    expect(text).not.toMatch(/SECRET_KEY_BASE=|RELEASE_COOKIE=|DATABASE_PASSWORD=/);
    expect(fileOf(files, 'tarmac/instance.env').content).toContain(
      "TARMAC_SECRETS=('erlang_cookie' 'secret_key_base' 'database_password')",
    );
  });

  it('gives hooks, the wrapper and the validators mode 0755 and everything else 0644', () => {
    const modes = Object.fromEntries(files.map((f) => [f.path, f.mode.toString(8)]));
    expect(modes).toMatchObject({
      'appspec.yml': '644',
      'hooks/after-install.sh': '755',
      'tarmac/instance.env': '644',
      'tarmac/tarmac-start': '755',
      'tarmac/tarball.py': '755',
      'tarmac/tarmac-hello-staging.service': '644',
    });
  });

  it('is deterministic and records the release reference', () => {
    expect(renderBundle(renderInput())).toEqual(files);
    expect(JSON.parse(fileOf(files, 'tarmac/release.json').content)).toEqual({
      id: '1.4.2-abababababab',
      version: '1.4.2',
      sha256: 'ab'.repeat(32),
      url: `s3://tarmac-artifacts/sha256/${'ab'.repeat(32)}`,
    });
  });

  it('quotes the migrate expression for bash whatever it contains', () => {
    const text = renderInput().instance;
    const input = renderInput({
      instance: { ...text, appConfig: { ...text.appConfig, migrate: `IO.puts("it's $HOME ` + '`id`' + `")` } },
    });
    const env = fileOf(renderBundle(input), 'tarmac/instance.env').content;
    expect(env).toContain(`TARMAC_MIGRATE='IO.puts("it'\\''s $HOME \`id\`")'`);
  });

  it('fails on a release URL that is neither s3:// nor file:///', () => {
    expect(() => renderBundle(renderInput({ releaseUrl: 'http://example.com/r.tgz' }))).toThrow(BundleInputError);
    expect(() => renderBundle(renderInput({ releaseUrl: 'http://example.com/r.tgz' }))).toThrow(
      /release URL "http:\/\/example.com\/r.tgz"/,
    );
  });

  it('fails on an env value systemd cannot carry on one line, naming the key', () => {
    const base = renderInput().instance;
    const input = renderInput({ instance: { ...base, env_: { GREETING: 'hello\nworld' } } });
    expect(() => renderBundle(input)).toThrow(/GREETING contains a control character/);
  });
});
