import { TarmacError } from '../core/errors';

/** A command whose implementation has not landed yet says so plainly instead of pretending. */
export function notBuiltYet(command: string, issue: number): never {
  throw new TarmacError(`"tarmac ${command}" is not built yet (issue #${issue})`, { command, issue });
}
