import { existsSync } from 'node:fs';

/** Debian's chromium (scripts/setup.sh installs it). Missing means a browser test fails: it never skips. */
export const CHROMIUM = process.env.TARMAC_CHROMIUM ?? '/usr/bin/chromium';

/** Where browser tests save screenshots (git-ignored). */
export const RESULTS = new URL('../../test-results/', import.meta.url).pathname;

/**
 * Headless Chromium on a machine with no network beyond loopback: without the background-networking flags it
 * keeps trying (and failing) to reach Google's services.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function assertChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM} — run scripts/setup.sh (apt-get install chromium) or set TARMAC_CHROMIUM`,
    );
  }
}
