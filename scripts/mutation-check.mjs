#!/usr/bin/env node
/**
 * The mutation check: for each invariant in scripts/mutations.mjs, remove the feature with a
 * small textual change to the product code and run the tests named for it, on SQLite and (with
 * HOOKFLOW_TEST_MYSQL_URL) on MariaDB/MySQL, each engine on its own (HOOKFLOW_TEST_ENGINES).
 * Every named test must pass on the unchanged code and fail on each mutant; a mutant any named
 * test survives fails the check. Mutants live in a scratch copy of the working tree under the
 * system temp dir (node_modules linked), so the repository itself is never changed.
 *
 * Usage: node scripts/mutation-check.mjs [--only name,name] [--keep] [--list]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { root, describeMysql } from './lib/test-files.mjs';
import { MUTATIONS } from './mutations.mjs';

const SKIP = new Set(['node_modules', '.git', 'data']);
const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function parseArgs(argv) {
  const o = { only: null, keep: false, list: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--only') o.only = new Set(argv[++i].split(','));
    else if (argv[i] === '--keep') o.keep = true;
    else if (argv[i] === '--list') o.list = true;
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return o;
}

/** The working tree (uncommitted changes included) without node_modules, which is linked. */
function scratchCopy() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookflow-mutants-'));
  fs.cpSync(root, dir, { recursive: true, filter: (src) => !SKIP.has(path.relative(root, src).split(path.sep)[0]) });
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

/** Runs the named tests in `dir` on one engine; resolves with each test's outcome by name. */
function runTests(dir, engine, tests) {
  const files = [...new Set(tests.map((t) => t.file))];
  const patterns = [...new Set(tests.map((t) => `--test-name-pattern=^${escapeRegExp(t.name)}$`))];
  const args = [
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=1',
    // Per file: the named tests of a mutant (the 2,000-record backfill ones take 40 s under load).
    '--test-timeout=180000',
    ...patterns,
    '--test-reporter=./scripts/isolation/reporter.mjs',
    '--test-reporter-destination=stdout',
    ...files,
  ];
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, args, {
      cwd: dir,
      env: { ...process.env, HOOKFLOW_TEST_ENGINES: engine },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    // A stuck run is ended; the baseline runs every guard test (some 90, in 40 files): minutes.
    const killer = setTimeout(() => child.kill('SIGKILL'), 1_200_000);
    child.stdout.on('data', (c) => {
      out += c;
    });
    child.stderr.on('data', (c) => {
      err += c;
    });
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      const lines = out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l));
      const byName = new Map(lines.filter((l) => l.status !== 'skip').map((l) => [`${l.file}\0${l.path.at(-1)}`, l]));
      resolve({ code, signal, byName, stderr: err.slice(-1500), seconds: (Date.now() - started) / 1000 });
    });
  });
}

const outcomeOf = (run, t) => run.byName.get(`${t.file}\0${t.name}`);
const firstLine = (s) =>
  String(s ?? '')
    .split('\n')
    .find((l) => l.trim()) ?? '';

/** A mutation of code only one engine runs (`engines: ['mysql']`) is checked on that engine alone. */
const runsOn = (m, engine) => !m.engines || m.engines.includes(engine);

/** Unchanged code: every named test passes on every engine (else the check would prove nothing). */
async function baseline(dir, engines, mutations) {
  const problems = [];
  await Promise.all(
    engines.map(async (engine) => {
      const tests = mutations.filter((m) => runsOn(m, engine)).flatMap((m) => m.tests);
      if (tests.length === 0) return;
      const run = await runTests(dir, engine, tests);
      for (const t of tests) {
        const got = outcomeOf(run, t);
        if (got?.status !== 'pass')
          problems.push(
            `baseline [${engine}] ${t.file} › ${t.name}: ${got ? `${got.status}: ${firstLine(got.error)}` : `not run (exit ${run.code}) ${run.stderr}`}`,
          );
      }
      console.log(
        `baseline [${engine}]: ${tests.length} guard tests on the unchanged code, ${run.seconds.toFixed(1)} s`,
      );
    }),
  );
  return problems;
}

/** Applies one mutant in `dir`, runs its tests on each engine, restores the file. */
async function checkMutant(dir, engines, m) {
  const file = path.join(dir, m.file);
  const original = fs.readFileSync(file, 'utf8');
  const count = original.split(m.find).length - 1;
  if (count !== 1)
    return [`${m.name}: the text to mutate occurs ${count} times in ${m.file} (update scripts/mutations.mjs)`];
  fs.writeFileSync(file, original.replace(m.find, m.replace));
  const survived = [];
  try {
    await Promise.all(
      engines
        .filter((engine) => runsOn(m, engine))
        .map(async (engine) => {
          const run = await runTests(dir, engine, m.tests);
          for (const t of m.tests) {
            const got = outcomeOf(run, t);
            const caught = got?.status === 'fail' || (!got && run.signal === 'SIGKILL');
            const detail =
              got?.status === 'fail'
                ? firstLine(got.error).slice(0, 160)
                : got
                  ? got.status
                  : `not run (exit ${run.code}, ${run.signal ?? 'no signal'})`;
            console.log(
              `  ${m.name} [${engine}]: ${caught ? 'CAUGHT  ' : 'SURVIVED'} by "${t.name}" — ${detail} (${run.seconds.toFixed(1)} s)`,
            );
            if (!caught) survived.push(`${m.name} [${engine}] survived "${t.name}" (${m.what})`);
          }
        }),
    );
  } finally {
    fs.writeFileSync(file, original);
  }
  return survived;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const mutations = MUTATIONS.filter((m) => !o.only || o.only.has(m.name));
  if (o.list) {
    for (const m of MUTATIONS)
      console.log(`${m.name}: ${m.what} (${m.file}; ${m.tests.map((t) => t.file).join(', ')})`);
    return 0;
  }
  if (mutations.length === 0) throw new Error(`no mutation named ${[...(o.only ?? [])].join(', ')}; see --list`);
  const engines = describeMysql() ? ['sqlite', 'mysql'] : ['sqlite'];
  if (!describeMysql())
    console.log(
      'mutations: MariaDB skipped (set HOOKFLOW_TEST_MYSQL_URL=mysql://root@127.0.0.1:3306 for both engines)',
    );
  const started = Date.now();
  const dir = scratchCopy();
  console.log(`mutations: ${mutations.length} invariants on ${engines.join(' and ')}, in ${dir}`);
  try {
    const problems = await baseline(dir, engines, mutations);
    let caught = 0;
    if (problems.length === 0) {
      for (const m of mutations) {
        const survived = await checkMutant(dir, engines, m);
        if (survived.length === 0) caught++;
        problems.push(...survived);
      }
    }
    for (const p of problems) console.log(`FAIL ${p}`);
    console.log(
      `mutations: ${caught} of ${mutations.length} caught by every named test on ${engines.join(' and ')}, ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    return problems.length === 0 ? 0 : 1;
  } finally {
    if (!o.keep) fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`mutation-check: ${err.message}`);
    process.exit(2);
  },
);
