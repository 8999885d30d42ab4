/**
 * tarmac.yml text for the one-app shape most tests use: fleet `web` and app `hello` (repo acme/hello, release
 * hello) with the given environments. `fleet` is the fleet's flow mapping, `environments` the YAML lines under
 * `environments:`, indented six spaces as they stand in the file.
 */
export function helloConfigText(fleet: string, environments: string): string {
  return `
fleets:
  web: ${fleet}
apps:
  hello:
    repo: acme/hello
    release: hello
    fleet: web
    environments:
${environments.replace(/^\n/, '')}
`;
}
