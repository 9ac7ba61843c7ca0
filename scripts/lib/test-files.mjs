/**
 * Which test files a suite name means, shared by test.mjs, test-isolation.mjs and
 * mutation-check.mjs, and the build the `hookflow` command's tests need.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { copyModuleViews } from '../copy-views.mjs';

export const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
export const SUITES = ['unit', 'integration', 'e2e'];

function findTests(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return findTests(p);
    return e.name.endsWith('.test.ts') ? [p] : [];
  });
}

/** The browser tests need chromium; without it (or with HOOKFLOW_E2E=0) they are left out, saying so. */
export function e2eAvailable() {
  return fs.existsSync('/usr/bin/chromium') && process.env.HOOKFLOW_E2E !== '0';
}

/** Absolute paths of the suites' test files, each suite sorted. */
export function suiteFiles(suites, log = console.log) {
  let files = [];
  for (const suite of suites) {
    if (suite === 'e2e' && !e2eAvailable()) {
      if (fs.existsSync(path.join(root, 'test/e2e')))
        log('e2e: skipped (no /usr/bin/chromium; apt-get install chromium)');
      continue;
    }
    files = files.concat(findTests(path.join(root, 'test', suite)).sort());
  }
  return files;
}

/** What `npm run build` does: `tsc -p tsconfig.build.json` (incremental, a few seconds), then the views beside the code; exits the process when it fails. */
export function buildPackage() {
  const build = spawnSync(
    process.execPath,
    [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    { stdio: 'inherit', cwd: root },
  );
  if (build.status !== 0) {
    console.error('build failed (npm run build)');
    process.exit(build.status ?? 1);
  }
  copyModuleViews();
}

export function describeMysql() {
  const url = process.env.HOOKFLOW_TEST_MYSQL_URL;
  return url ? url.replace(/:[^:@/]*@/, ':***@') : null;
}
