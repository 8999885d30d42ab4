/** The `tarmac` CLI. Commands live in functions/cli/commands, one file per group. */
import { main } from '../functions/cli/main';

process.exitCode = await main(process.argv);
