import { describe, expect, it } from 'vitest';
import { permits, refusalOf, type TokenGrant } from '../../../functions/core/tokens';

const grant = (scope: 'read' | 'deploy', environments: string[] = [], shared?: true): TokenGrant => ({
  name: shared ? 'dashboard' : 'alice',
  scope,
  environments,
  ...(shared ? { shared } : {}),
});
const logs = { write: false, hostOutput: true, app: 'hello', env: 'staging' } as const;

describe('what hosts print (logs) needs a named token covering the environment', () => {
  it('lets a read token, and a deploy token for that environment, read the logs', () => {
    expect(permits(grant('read'), logs)).toBe(true);
    expect(permits(grant('deploy', ['hello/*']), logs)).toBe(true);
    expect(permits(grant('deploy', ['hello/staging']), logs)).toBe(true);
  });

  it('refuses the shared dashboard token, an open API and a token for other environments, saying why', () => {
    expect(permits(grant('read', [], true), logs)).toBe(false);
    expect(refusalOf(grant('read', [], true), logs)).toBe(
      'what hosts print (logs of hello/staging) needs a named token, not the shared dashboard token — tarmac tokens create <name> --scope read, then set TARMAC_TOKEN',
    );
    const anonymous: TokenGrant = { name: 'anonymous', scope: 'read', environments: [], shared: true };
    expect(refusalOf(anonymous, logs)).toMatch(/needs a named token, not none/);
    const other = grant('deploy', ['billing/*']);
    expect(permits(other, logs)).toBe(false);
    expect(refusalOf(other, logs)).toBe('token "alice" may read the logs of only billing/* — not hello/staging');
  });

  it('leaves other reads open to any token and writes to deploy tokens', () => {
    expect(permits(grant('read', [], true), { write: false })).toBe(true);
    expect(permits(grant('read'), { write: true, app: 'hello', env: 'staging' })).toBe(false);
  });
});
