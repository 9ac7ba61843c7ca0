#!/usr/bin/env node
// Runs the test suite with node's test runner through tsx. Usage: node scripts/test.mjs [unit|integration|e2e|corpus ...]
// Default: unit + integration (+ e2e when chromium is installed and HOOKFLOW_E2E is not 0).
// Builds the package first (incremental, a few seconds): the `hookflow` command's tests run the
// built dist/module/cli/bin.js exactly as a host gets it. Prints how long the suite took.
import { spawnSync } from 'node:child_process';
import { SUITES, buildPackage, describeMysql, root, suiteFiles } from './lib/test-files.mjs';

const suites = process.argv.slice(2).length > 0 ? process.argv.slice(2) : SUITES;
const files = suiteFiles(suites);
const mysql = describeMysql();
if (!mysql) {
  console.log(
    'MariaDB: skipped (set HOOKFLOW_TEST_MYSQL_URL=mysql://root@127.0.0.1:3306 to run every database test on MariaDB too)',
  );
} else {
  console.log(`MariaDB: running every database test on SQLite and on ${mysql}`);
}
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
// A file is one test to node's runner, so --test-timeout bounds a whole file. The package suite
// packs, runs `npm install` twice (one a better-sqlite3 build from source) and drives two hosts:
// minutes on a loaded machine, so its files get 30 minutes; every other file gets 5 (the CLI file
// spawns a dozen processes on both engines: over 2 minutes at a load average of 8 on 2 cores).
const fileTimeoutMs = suites.includes('package') ? 1_800_000 : 300_000;
const started = Date.now();
buildPackage();
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', `--test-timeout=${fileTimeoutMs}`, ...files],
  { stdio: 'inherit', cwd: root },
);
console.log(
  `tests: ${files.length} files, ${suites.join(' + ')}, ${((Date.now() - started) / 1000).toFixed(1)} s (build included)`,
);
process.exit(result.status ?? 1);
