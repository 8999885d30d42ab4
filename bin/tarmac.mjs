#!/usr/bin/env node
// Launcher for the `tarmac` bin, from any working directory: runs the CLI compiled to JavaScript
// (bin/compiled-cli.mjs rebuilds it when a source changed). TARMAC_CLI_TSX=1 runs the TypeScript sources
// through tsx instead.
if (process.env.TARMAC_CLI_TSX === '1') {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./tarmac.ts');
} else {
  const { compiledCli } = await import('./compiled-cli.mjs');
  await import(await compiledCli());
}
