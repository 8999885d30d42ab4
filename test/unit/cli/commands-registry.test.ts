import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMANDS, invokedCommand } from '../../../functions/cli/commands';
import type { Output } from '../../../functions/cli/output';

const out: Output = { write: () => undefined, error: () => undefined, isTTY: false };

describe('the command registry (functions/cli/commands.ts)', () => {
  it('loads, for each entry, a module that registers that command with the entry’s summary', async () => {
    for (const entry of COMMANDS) {
      const program = new Command('tarmac');
      (await entry.load())(program, out);
      const command = program.commands.find((c) => c.name() === entry.name);
      expect(command?.description(), entry.name).toBe(entry.summary);
    }
  });

  it('names every top-level command once', async () => {
    const names = COMMANDS.map((entry) => entry.name);
    expect(new Set(names).size).toBe(names.length);
    // Whatever a module registers is listed: a command added to a module without its line would be unreachable.
    const registered = new Set<string>();
    for (const entry of COMMANDS) {
      const program = new Command('tarmac');
      (await entry.load())(program, out);
      for (const command of program.commands) registered.add(command.name());
    }
    expect([...registered].sort()).toEqual([...names].sort());
  });

  it('finds the command past the global options and their values', () => {
    const argv = (...words: string[]) => ['node', 'tarmac', ...words];
    expect(invokedCommand(argv('--config', 'x.yml', '--data', 'status', 'status'))).toBe('status');
    expect(invokedCommand(argv('--json', 'deploy', 'hello', 'staging'))).toBe('deploy');
    expect(invokedCommand(argv('help', 'serve'))).toBe('serve');
    expect(invokedCommand(argv('--help'))).toBeUndefined();
  });
});
