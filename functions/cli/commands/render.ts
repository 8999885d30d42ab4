import type { Command } from 'commander';
import { notBuiltYet } from '../not-built';
import type { Output } from '../output';

export function registerRender(program: Command, _out: Output): void {
  program
    .command('render')
    .description('not built yet (issue #3)')
    .allowUnknownOption()
    .argument('[args...]')
    .action(() => notBuiltYet('render', 3));
}
