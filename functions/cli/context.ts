import { readFileSync } from 'node:fs';
import { parseConfig } from '../core/config';
import type { TarmacConfig } from '../core/config/schema';
import { TarmacError } from '../core/errors';
import type { GlobalOptions } from './main';

/** Read and validate the configuration file named by `--config`. */
export function loadConfig(options: Pick<GlobalOptions, 'config'>): TarmacConfig {
  let text: string;
  try {
    text = readFileSync(options.config, 'utf8');
  } catch (error) {
    throw new TarmacError(
      `cannot read config ${options.config} — pass --config <file> or create tarmac.yml`,
      {
        file: options.config,
      },
      { cause: error },
    );
  }
  return parseConfig(text, options.config);
}
