import type { Command } from 'commander';
import { notBuiltYet } from '../not-built';
import type { Output } from '../output';

const COMMANDS: ReadonlyArray<[string, string]> = [
  ['plan', 'what a deploy would do, host by host'],
  ['deploy', 'deploy a release to an environment'],
  ['rollback', 'back to the previous successful release'],
  ['promote', 'the same tarball, by sha256, from one environment to another'],
  ['lock', 'stop deploys to an environment'],
  ['unlock', 'allow deploys again'],
  ['status', 'environments, current releases, locks'],
  ['history', 'recent deployments of an environment'],
];

export function registerDeploy(program: Command, _out: Output): void {
  for (const [name, description] of COMMANDS) {
    program
      .command(name)
      .description(`${description} (not built yet, issue #5)`)
      .allowUnknownOption()
      .argument('[args...]')
      .action(() => notBuiltYet(name, 5));
  }
}
