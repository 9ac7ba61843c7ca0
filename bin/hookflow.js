#!/usr/bin/env node
// The `hookflow` command: loads TypeScript sources through tsx (no build step), then the CLI.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../host/cli.ts');
process.exitCode = await main(process.argv.slice(2));
