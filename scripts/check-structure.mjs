#!/usr/bin/env node
/**
 * The structure check (run by CI): the dependency rules of DESIGN.md and issue 15, proved on
 * the source instead of hoped for.
 *   1. module/ never imports host/, and names no CRM module in code (Deals, Leads …);
 *   2. host/ imports Hookflow only through the package's public entry (`hookflow`);
 *   3. outbound/ imports nothing from workflows/ (nor alerts/, inbound/, admin/);
 *   4. no cycle between module/'s folders (value imports; `import type` is erased at run time);
 *      root files other than the composition root import no folder except storage/;
 *   5. every hookflow_* table's name appears in SQL (string literals, comments stripped) of exactly
 *      one owner (a file, a folder for the delivery queue, or a short list of files of one folder
 *      that split one store along its seams), migrations excepted; every file of a list must
 *      itself use the table, so a list never outlives the split it names.
 * Prints every violation; exits 1 when there is one.
 */
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const mod = path.join(root, 'module');

/** The composition root: files that may import every folder (they wire things together). */
const COMPOSITION = new Set(['index.ts', 'install.ts', 'run-worker.ts', 'rotate-key.ts', 'health.ts', 'retention.ts']);

/**
 * Root files allowed one more edge, and why: the settings schema validates allowlists and proxy
 * lists and rate limits with the very parsers the handlers use (one rule each); those folders import config.ts
 * for its types only, so no cycle arises at run time.
 */
const ROOT_EXCEPTIONS = {
  'config.ts': ['inbound/client-address.ts', 'outbound/url-guard.ts', 'outbound/rate-limit.ts'],
};

/**
 * Table → owner (relative to module/): a file, a folder (ending in /), or a list of files in one
 * folder — one store split in files along its seams (the run log and its lease queue, the
 * workflow store and its task side), each of which must use the table.
 */
export const OWNERS = {
  hookflow_deliveries: 'outbound/queue/',
  hookflow_attempts: 'outbound/queue/',
  hookflow_destinations: 'outbound/queue/destinations.ts',
  hookflow_destination_rates: 'outbound/queue/rate-buckets.ts',
  hookflow_destination_locks: 'outbound/queue/destination-locks.ts',
  hookflow_alerts: 'alerts/alert-queue.ts',
  hookflow_alert_recipients: 'alerts/alert-queue.ts',
  hookflow_runs: ['workflows/runs.ts', 'workflows/runs-lease.ts'],
  hookflow_run_once: 'workflows/hooks.ts',
  hookflow_schedules: 'workflows/schedules.ts',
  hookflow_backfills: 'workflows/backfills.ts',
  hookflow_task_effects: 'workflows/task-effects.ts',
  hookflow_workflows: 'workflows/store.ts',
  hookflow_tasks: ['workflows/store.ts', 'workflows/task-store.ts'],
  hookflow_http_permissions: ['inbound/permissions.ts', 'inbound/permission-capture-switch.ts'],
  hookflow_http_refusals: 'inbound/refusals.ts',
  hookflow_idempotency: 'inbound/idempotency.ts',
  hookflow_http_captures: 'inbound/captures.ts',
  hookflow_settings: 'settings-store.ts',
  hookflow_workers: 'worker-registry.ts',
  hookflow_key_check: 'key-check.ts',
  hookflow_migrations: 'storage/migrate.ts',
  hookflow_config_version: 'storage/config-version.ts',
};

const CRM_MODULES = /['"`](Deals|Leads|Contacts|Accounts|Companies|Invoices)['"`]/;

function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p) : p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

/** Source without comments (strings kept), so a table named in a comment is not "SQL". */
function stripComments(src) {
  return src.replace(/\/\*[\s\S]*?\*\/|(^|[^:'"`\\])\/\/[^\n]*/g, (m, pre) => pre ?? '');
}

/** Value imports (not `import type`), as resolved absolute paths or bare specifiers. */
function imports(file) {
  const src = fs.readFileSync(file, 'utf8');
  const out = [];
  for (const m of src.matchAll(/^\s*(import|export)\s+(type\s+)?[^'";]*?from\s+'([^']+)'/gm)) if (!m[2]) out.push(m[3]);
  for (const m of src.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)) out.push(m[1]);
  return out.map((s) => (s.startsWith('.') ? path.resolve(path.dirname(file), s).replace(/\.js$/, '.ts') : s));
}

const folderOf = (abs) => {
  const rel = path.relative(mod, abs).split(path.sep);
  return rel.length > 1 ? rel[0] : null;
};

const problems = [];
const moduleFiles = walk(mod);

// 1 + 3 + 4: the module's imports.
const edges = new Map();
for (const f of moduleFiles) {
  const rel = path.relative(mod, f);
  const from = folderOf(f);
  if (CRM_MODULES.test(stripComments(fs.readFileSync(f, 'utf8'))))
    problems.push(`module/${rel} names a CRM module; modules come from host.records.listModules()`);
  for (const target of imports(f)) {
    if (!path.isAbsolute(target)) continue;
    if (!target.startsWith(mod + path.sep)) {
      problems.push(`module/${rel} imports ${path.relative(root, target)} (outside module/)`);
      continue;
    }
    const to = folderOf(target);
    if (from === 'outbound' && to && to !== 'outbound' && to !== 'storage')
      problems.push(`module/${rel} (outbound) imports ${to}/: ${path.relative(mod, target)}`);
    const excepted = (ROOT_EXCEPTIONS[rel] ?? []).includes(path.relative(mod, target));
    if (from === null && to && to !== 'storage' && !COMPOSITION.has(rel) && !excepted)
      problems.push(`module/${rel} (a root file) imports ${to}/: ${path.relative(mod, target)}`);
    if (from && to && from !== to) {
      if (!edges.has(from)) edges.set(from, new Map());
      if (!edges.get(from).has(to)) edges.get(from).set(to, `${rel} → ${path.relative(mod, target)}`);
    }
  }
}
const visiting = new Set();
const done = new Set();
function visit(node, trail) {
  if (done.has(node)) return;
  if (visiting.has(node)) {
    const cycle = trail.slice(trail.indexOf(node));
    problems.push(
      `folder cycle: ${[...cycle, node].join(' → ')} (${cycle.map((a, i) => edges.get(a).get(cycle[i + 1] ?? node)).join('; ')})`,
    );
    return;
  }
  visiting.add(node);
  for (const next of edges.get(node)?.keys() ?? []) visit(next, [...trail, node]);
  visiting.delete(node);
  done.add(node);
}
for (const node of edges.keys()) visit(node, []);

// 2: the reference host uses only the package's public entry.
for (const f of walk(path.join(root, 'host'))) {
  for (const target of imports(f)) {
    if (path.isAbsolute(target) && target.startsWith(mod + path.sep))
      problems.push(
        `host/${path.relative(path.join(root, 'host'), f)} imports module internals: ${path.relative(root, target)} (use 'hookflow')`,
      );
    if (!path.isAbsolute(target) && target.startsWith('hookflow/'))
      problems.push(`host/${path.relative(path.join(root, 'host'), f)} imports ${target}: only 'hookflow' is public`);
  }
}

// 5: one owner per table.
const tableUse = new Map();
for (const f of moduleFiles) {
  const rel = path.relative(mod, f);
  const code = stripComments(fs.readFileSync(f, 'utf8'));
  for (const m of code.matchAll(/['"`][^'"`]*?\b(hookflow_[a-z_]+)\b/g)) {
    const table = m[1];
    if (!(table in OWNERS)) continue;
    if (!tableUse.has(table)) tableUse.set(table, new Set());
    tableUse.get(table).add(rel);
  }
}
const ownerName = (owner) => (Array.isArray(owner) ? owner : [owner]).map((o) => `module/${o}`).join(' + ');
const ownedBy = (owner, f) =>
  Array.isArray(owner) ? owner.includes(f) : owner.endsWith('/') ? f.startsWith(owner) : f === owner;
for (const [table, owner] of Object.entries(OWNERS)) {
  if (!Array.isArray(owner)) continue;
  const folders = new Set(owner.map((o) => path.dirname(o)));
  if (owner.length < 2 || folders.size !== 1 || owner.some((o) => o.endsWith('/')))
    problems.push(`${table}: an owner list names two or more files of one folder (${ownerName(owner)})`);
  for (const o of owner)
    if (tableUse.has(table) && !tableUse.get(table).has(o))
      problems.push(`${table} has no SQL in its owner file module/${o} (update OWNERS)`);
}
for (const [table, files] of tableUse) {
  const owner = OWNERS[table];
  for (const f of files)
    if (!ownedBy(owner, f)) problems.push(`${table} is used in module/${f}; its owner is ${ownerName(owner)}`);
}
// Every table a migration creates needs an owner (else its SQL could spread unchecked).
for (const f of fs.readdirSync(path.join(root, 'migrations')).filter((n) => n.endsWith('.ts')))
  for (const m of fs
    .readFileSync(path.join(root, 'migrations', f), 'utf8')
    .matchAll(/createTable\(\s*['"`](hookflow_[a-z_]+)['"`]/g))
    if (!(m[1] in OWNERS)) problems.push(`${m[1]} (created in migrations/${f}) has no owner in OWNERS`);
for (const table of Object.keys(OWNERS))
  if (!tableUse.has(table))
    problems.push(`${table} has no SQL in its owner ${ownerName(OWNERS[table])} (renamed? update OWNERS)`);

if (problems.length > 0) {
  console.error(`structure: ${problems.length} problem(s)`);
  for (const p of problems) console.error(`  - ${p}`);
  process.exit(1);
}
console.log(
  `structure: ok — ${moduleFiles.length} module files, folders ${[...edges.keys()].sort().join(', ')} acyclic, ${Object.keys(OWNERS).length} tables with one owner each`,
);
