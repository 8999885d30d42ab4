/** What `tarmac init` knows about the project it starts a configuration for. */
export interface StarterFacts {
  /** tarmac's app name (lowercase, digits, dashes). */
  readonly app: string;
  /** The OTP release name: the tarball holds `bin/<release>`. */
  readonly release: string;
  /** GitHub `owner/repo`; a placeholder when unknown. */
  readonly repo: string;
  /** The project's version, for the printed `release push` command. */
  readonly version: string;
  /** Elixir module prefix of the app (`Hello` for `:hello`), for the commented migrate example. */
  readonly module: string;
}

/**
 * A commented starter `tarmac.yml`: one app with staging (continuous from main) and production on a fleet of
 * two local hosts. `tarmac config check` accepts it as written; every optional key is shown commented out.
 */
export function starterConfig(f: StarterFacts): string {
  return `# tarmac.yml — written by \`tarmac init\`. Check it with: tarmac config check
# Every key is documented in tarmac's README (Configuration reference); unknown keys are refused.
fleets:
  web:
    # Local mode: local test hosts (\`tarmac hosts up 2\` boots h1 and h2).
    hosts: [h1, h2]
    # AWS mode: the EC2 instances carrying all of these tags (at most three).
    # ec2_tags: { tarmac-fleet: web }
    # AWS mode: what those hosts offer a release, so a deploy they cannot run is refused up front
    # (local hosts report theirs). glibc is a quoted string.
    # platform: { arch: x86_64, glibc: "2.36" }

apps:
  ${f.app}:
    repo: ${f.repo}
    # \`mix release\` must write a tarball: releases: [${f.release}: [steps: [:assemble, :tar]]] in mix.exs.
    release: ${f.release}
    # Run once per deployment with bin/${f.release} eval, e.g. Ecto migrations:
    # migrate: ${f.module}.Release.migrate()
    fleet: web
    strategy: one-at-a-time   # or half, all, { type: half, min_healthy_hosts: 1 }
    keep_releases: 5
    environments:
      staging:
        port: 4001
        branch: main          # pushes and builds of main deploy here
        health: { path: /health, timeout: 60 }
        # domain: staging.example.com
        # database: {}        # a PostgreSQL database on each host, or { host, port, name, user }
        # secrets: [stripe_key]
        # env: { POOL_SIZE: "5" }
      production:
        port: 4002
        health: { path: /health, timeout: 60 }
        # chat: { users: [U0123ABCD], channels: [C0123ABCD] }   # who may deploy from Slack
`;
}
