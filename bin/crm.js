#!/usr/bin/env node
// The reference CRM's command (`npm start` = `node bin/crm.js start`). It runs from the TypeScript
// sources through tsx — a development convenience of this repository, never part of the package:
// tsconfig.json maps `hookflow` to module/index.ts, so the CRM runs against the sources it ships.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
register({ tsconfig: path.join(root, 'tsconfig.json') });
const argv = process.argv.slice(2);
// Help loads its text alone, not the CRM and Hookflow (well under half a second).
const { HELP, isHelp } = await import('../host/cli-help.ts');
if (isHelp(argv[0])) {
  console.log(HELP);
} else {
  const { main } = await import('../host/cli.ts');
  process.exitCode = await main(argv);
}
