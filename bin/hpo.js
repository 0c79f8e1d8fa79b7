#!/usr/bin/env node
// Starts the CLI from the build (dist/, made by `npm run build`; `npm ci` runs it through `prepare`).
import { existsSync } from 'node:fs';

const main = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('hpo: the build is missing (dist/src/cli/main.js). Run `npm run build` in the hpo folder.\n');
  process.exit(1);
}
await import(main.href);
