#!/usr/bin/env node
// Runs the test suite with node's test runner through tsx. Usage: node scripts/test.mjs [unit|integration|e2e|corpus ...]
// Default: unit + integration (+ e2e when chromium is installed and HOOKFLOW_E2E is not 0).
// Builds the package first (incremental, a few seconds): the `hookflow` command's tests run the
// built dist/module/cli/bin.js exactly as a host gets it. Prints how long the suite took.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const suites = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['unit', 'integration', 'e2e'];

function findTests(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return findTests(p);
    return e.name.endsWith('.test.ts') ? [p] : [];
  });
}

let files = [];
for (const suite of suites) {
  if (suite === 'e2e' && (!fs.existsSync('/usr/bin/chromium') || process.env.HOOKFLOW_E2E === '0')) {
    if (fs.existsSync(path.join(root, 'test/e2e'))) console.log('e2e: skipped (no /usr/bin/chromium; apt-get install chromium)');
    continue;
  }
  files = files.concat(findTests(path.join(root, 'test', suite)).sort());
}
if (!process.env.HOOKFLOW_TEST_MYSQL_URL) {
  console.log('MariaDB: skipped (set HOOKFLOW_TEST_MYSQL_URL=mysql://root@127.0.0.1:3306 to run every database test on MariaDB too)');
} else {
  console.log(`MariaDB: running every database test on SQLite and on ${process.env.HOOKFLOW_TEST_MYSQL_URL.replace(/:[^:@/]*@/, ':***@')}`);
}
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const started = Date.now();
const build = spawnSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { stdio: 'inherit', cwd: root });
if (build.status !== 0) {
  console.error('build failed (npm run build)');
  process.exit(build.status ?? 1);
}
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=120000', ...files], { stdio: 'inherit', cwd: root });
console.log(`tests: ${files.length} files, ${suites.join(' + ')}, ${((Date.now() - started) / 1000).toFixed(1)} s (build included)`);
process.exit(result.status ?? 1);
