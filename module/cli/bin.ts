#!/usr/bin/env node
/** Executable entry of the `hookflow` command (package.json `bin` → dist/module/cli/bin.js). */
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
