import type { Command } from 'commander';
import { notBuiltYet } from '../not-built';
import type { Output } from '../output';

export function registerServe(program: Command, _out: Output): void {
  program
    .command('serve')
    .description('not built yet (issue #4)')
    .allowUnknownOption()
    .argument('[args...]')
    .action(() => notBuiltYet('serve', 4));
}
