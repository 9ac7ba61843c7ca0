#!/usr/bin/env node
/**
 * The isolation check: tests must not depend on each other.
 *   1. every test file runs with its tests in REVERSE order (each describe body and the file's top
 *      level reversed: scripts/isolation/node-test.mjs); every test must pass (or skip) as it
 *      does in `npm test`;
 *   2. a seeded random sample of single tests runs ALONE, each in its own process with only its
 *      own describe blocks' hooks; each must end exactly as it did in step 1.
 * Any difference fails the check and prints the command that replays it.
 *
 * Usage: node scripts/test-isolation.mjs [--seed N] [--sample N | --all] [--jobs N] [suite|file ...]
 *        node scripts/test-isolation.mjs --only '["describe [sqlite]","test name"]' FILE
 * Suites as for npm test (default unit integration e2e). HOOKFLOW_TEST_MYSQL_URL adds MariaDB.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { SUITES, buildPackage, describeMysql, root, suiteFiles } from './lib/test-files.mjs';

const REGISTER = './scripts/isolation/register.mjs';
const REPORTER = './scripts/isolation/reporter.mjs';
const DEFAULT_SAMPLE = 40;

function parseArgs(argv) {
  const o = {
    seed: Math.floor(Math.random() * 2 ** 31),
    sample: DEFAULT_SAMPLE,
    all: false,
    jobs: 2,
    only: null,
    targets: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--seed') o.seed = Number(value());
    else if (a === '--sample') o.sample = Number(value());
    else if (a === '--jobs') o.jobs = Math.max(1, Number(value()));
    else if (a === '--all') o.all = true;
    else if (a === '--only') o.only = JSON.parse(value());
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else o.targets.push(a);
  }
  return o;
}

/** mulberry32, as in test/helpers/wait.ts: the same seed draws the same sample. */
function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sampleOf(items, n, random) {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy.slice(0, n);
}

const rel = (file) => path.relative(root, file);
const key = (file, testPath) => `${rel(file)} › ${testPath.join(' › ')}`;

/** Runs one test file under the collecting wrapper; resolves with its JSON-line results. */
function runFile(file, env, { reporter = REPORTER, inherit = false } = {}) {
  const args = [
    '--import',
    'tsx',
    '--import',
    REGISTER,
    '--test',
    // A whole file on a loaded machine (see scripts/test.mjs).
    '--test-timeout=300000',
    `--test-reporter=${reporter}`,
    '--test-reporter-destination=stdout',
    file,
  ];
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, args, {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: inherit ? 'inherit' : ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout?.on('data', (c) => {
      out += c;
    });
    child.stderr?.on('data', (c) => {
      err += c;
    });
    child.on('close', (code) => {
      const results = out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l));
      resolve({ code, results, stderr: err.slice(-2000), seconds: (Date.now() - started) / 1000 });
    });
  });
}

/** Runs `fn` over `items`, at most `jobs` at a time. */
async function pool(items, jobs, fn) {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: Math.min(jobs, queue.length) }, async () => {
      while (queue.length > 0) await fn(queue.shift());
    }),
  );
}

const shellQuote = (s) => `'${s.replace(/'/g, "'\\''")}'`;
const replayReverse = (file) => `HOOKFLOW_TEST_REVERSE=1 node --import tsx --import ${REGISTER} --test ${rel(file)}`;
const replayAlone = (file, testPath) =>
  `node scripts/test-isolation.mjs --only ${shellQuote(JSON.stringify(testPath))} ${rel(file)}`;

/** Step 1: each file reversed. Returns every test's outcome, and the differences found. */
async function reversePass(files, jobs) {
  const outcomes = [];
  const problems = [];
  await pool(files, jobs, async (file) => {
    const run = await runFile(file, { HOOKFLOW_TEST_REVERSE: '1' });
    const failed = run.results.filter((r) => r.status === 'fail');
    for (const r of failed)
      problems.push(
        `reversed: ${key(file, r.path)} failed: ${r.error.split('\n')[0].slice(0, 300)}\n  replay: ${replayReverse(file)}`,
      );
    if (run.results.length === 0)
      problems.push(
        `reversed: ${rel(file)} reported no tests (exit ${run.code}): ${run.stderr}\n  replay: ${replayReverse(file)}`,
      );
    else if (run.code !== 0 && failed.length === 0)
      problems.push(`reversed: ${rel(file)} exited ${run.code} without a failing test: ${run.stderr}`);
    for (const r of run.results) outcomes.push({ file, path: r.path, status: r.status });
    console.log(
      `  reversed ${rel(file)}: ${run.results.length} tests, ${failed.length} failed, ${run.seconds.toFixed(1)} s`,
    );
  });
  return { outcomes, problems };
}

/** Step 2: each sampled test alone; it must end as it did in step 1. */
async function alonePass(sample, jobs) {
  const problems = [];
  await pool(sample, jobs, async (t) => {
    const run = await runFile(t.file, { HOOKFLOW_TEST_SELECT: JSON.stringify(t.path) });
    const got = run.results.map((r) => `${r.path.join(' › ')}: ${r.status}`);
    const ok = run.results.length === 1 && run.results[0].status === t.status;
    if (!ok) {
      const why =
        run.results.length === 1
          ? `${run.results[0].status} (${run.results[0].error?.split('\n')[0].slice(0, 300) ?? ''})`
          : `${run.results.length} tests ran: ${got.join('; ') || run.stderr}`;
      problems.push(
        `alone: ${key(t.file, t.path)} was ${t.status} in the file, alone ${why}\n  replay: ${replayAlone(t.file, t.path)}`,
      );
    }
    console.log(`  alone ${ok ? 'ok  ' : 'DIFF'} ${key(t.file, t.path)} (${run.seconds.toFixed(1)} s)`);
  });
  return problems;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const files = o.targets.some((t) => !SUITES.includes(t))
    ? o.targets.map((t) => path.resolve(root, t))
    : suiteFiles(o.targets.length > 0 ? o.targets : SUITES);
  if (o.only) {
    if (files.length !== 1) throw new Error('--only needs exactly one test file');
    const run = await runFile(
      files[0],
      { HOOKFLOW_TEST_SELECT: JSON.stringify(o.only) },
      { reporter: 'spec', inherit: true },
    );
    process.exit(run.code ?? 1);
  }
  const started = Date.now();
  buildPackage();
  console.log(
    `isolation: ${files.length} files on SQLite${describeMysql() ? ` and ${describeMysql()}` : ''}; seed ${o.seed}`,
  );
  const reversed = await reversePass(files, o.jobs);
  // A full name shared by two tests cannot select one of them: warned about, never sampled.
  const names = new Map();
  for (const t of reversed.outcomes) names.set(key(t.file, t.path), (names.get(key(t.file, t.path)) ?? 0) + 1);
  for (const [name, n] of names)
    if (n > 1) console.log(`isolation: warning: ${n} tests are named ${name}; none of them is run alone`);
  const population = reversed.outcomes.filter((t) => t.status !== 'todo' && names.get(key(t.file, t.path)) === 1);
  const sample = o.all ? population : sampleOf(population, o.sample, seededRandom(o.seed));
  console.log(`isolation: ${sample.length} of ${population.length} tests alone (seed ${o.seed})`);
  const alone = await alonePass(sample, o.jobs);
  const problems = [...reversed.problems, ...alone];
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  for (const p of problems) console.log(`DIFF ${p}`);
  console.log(
    `isolation: ${files.length} files reversed, ${sample.length} tests alone, ${problems.length} differences, ${seconds} s; replay this sample: node scripts/test-isolation.mjs --seed ${o.seed}${o.all ? ' --all' : ` --sample ${o.sample}`}${o.targets.length ? ` ${o.targets.join(' ')}` : ''}`,
  );
  process.exit(problems.length === 0 ? 0 : 1);
}

main().catch((err) => {
  console.error(`test-isolation: ${err.message}`);
  process.exit(2);
});
