#!/usr/bin/env node
// Runs the fault-injection tests (test/faults/*.faults.test.ts) one file at a time: they start
// worker, web and database processes and kill them, so running two at once would only fight over
// 2 CPUs. Prints each file's duration and the total at the end (CI keeps the whole under ~4 min).
// Usage: node scripts/test-faults.mjs [name ...]   (e.g. "deliveries" runs deliveries.faults.test.ts)
// Needs MariaDB/MySQL: HOOKFLOW_TEST_MYSQL_URL=mysql://root@127.0.0.1:3306. Without it the
// tests are skipped with a message and the exit code is 0 (CI sets it, so CI never skips).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const dir = path.join(root, 'test', 'faults');
const wanted = process.argv.slice(2);

if (!process.env.HOOKFLOW_TEST_MYSQL_URL) {
  console.log('faults: skipped (MariaDB/MySQL only; set HOOKFLOW_TEST_MYSQL_URL=mysql://root@127.0.0.1:3306)');
  process.exit(0);
}
const files = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.faults.test.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort()
  .map((f) => path.join(dir, f));
if (files.length === 0) {
  console.error(`faults: no test files found${wanted.length ? ` for ${wanted.join(', ')}` : ''}`);
  process.exit(1);
}
console.log(`faults: ${files.length} file(s) on ${process.env.HOOKFLOW_TEST_MYSQL_URL.replace(/:[^:@/]*@/, ':***@')}`);
// The files' own tests carry their time limits; this one stops a hang.
const durations = [];
let failed = 0;
const t0 = Date.now();
for (const file of files) {
  const started = Date.now();
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-timeout=300000', file],
    { stdio: 'inherit', cwd: root },
  );
  const ok = result.status === 0;
  if (!ok) failed += 1;
  durations.push({ name: path.basename(file, '.faults.test.ts'), seconds: (Date.now() - started) / 1000, ok });
}
console.log('\nfaults: durations');
for (const d of durations) console.log(`  ${d.ok ? 'ok  ' : 'FAIL'} ${d.name.padEnd(20)} ${d.seconds.toFixed(1)} s`);
console.log(`  total ${((Date.now() - t0) / 1000).toFixed(1)} s, ${failed} file(s) failed`);
process.exit(failed === 0 ? 0 : 1);
