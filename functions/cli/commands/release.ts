import type { Command } from 'commander';
import { notBuiltYet } from '../not-built';
import type { Output } from '../output';

export function registerRelease(program: Command, _out: Output): void {
  program
    .command('release')
    .description('not built yet (issue #3)')
    .allowUnknownOption()
    .argument('[args...]')
    .action(() => notBuiltYet('release', 3));
}
