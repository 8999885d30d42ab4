import type { Command } from 'commander';
import { notBuiltYet } from '../not-built';
import type { Output } from '../output';

export function registerHosts(program: Command, _out: Output): void {
  program
    .command('hosts')
    .description('not built yet (issue #3)')
    .allowUnknownOption()
    .argument('[args...]')
    .action(() => notBuiltYet('hosts', 3));
}
