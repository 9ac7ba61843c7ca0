/**
 * The `hookflow` command (package.json bin): start the reference CRM, run the worker as its own
 * process, migrate, and import/export workflows. Errors print one line and exit non-zero.
 */
import fs from 'node:fs';
import { pino } from 'pino';
import { install, type InstalledHookflow } from '../module/index.js';
import { migrateLatest } from '../module/storage/migrate.js';
import { loadHostConfig, type HostConfig } from './config.js';
import { openDatabase } from './db.js';
import { createHostContext } from './app.js';
import { migrateHost } from './schema.js';
import { startServer } from './server.js';
import { leadformCurl, seedDemoPermission, seedDemoWorkflows } from './seed-workflows.js';

const HELP = `Usage: hookflow <command> [options]

Commands:
  start              Start the reference CRM with Hookflow installed (the demo; npm start)
  worker             Run the background worker as its own process against DATABASE_URL
  migrate            Create or upgrade the host's and Hookflow's tables, then exit
  export [FILE]      Write every workflow as JSON to FILE (default: standard output)
  import FILE        Validate and import workflows from FILE (all or nothing)
  help               Show this help

Configuration comes from the environment (DATABASE_URL, PORT, HOOKFLOW_SECRET_KEY, ...);
see README.md for every variable and its default.`;

class UsageError extends Error {}

type Io = { out: (s: string) => void; err: (s: string) => void };

async function withModule<T>(config: HostConfig, startWorker: boolean, fn: (hf: InstalledHookflow) => Promise<T>): Promise<T> {
  const db = openDatabase(config.database);
  const logger = pino({ level: config.logLevel });
  try {
    await migrateHost(db);
    const host = createHostContext({ db, config, logger });
    const hf = await install(host.context, { secretKey: config.secretKey, startWorker });
    host.bindHooks(hf.hooks); // tasks that change records start further workflows
    try {
      return await fn(hf);
    } finally {
      host.bindHooks(null);
      await hf.uninstall();
      host.close();
    }
  } finally {
    await db.destroy();
  }
}

async function runWorker(config: HostConfig, io: Io): Promise<void> {
  await withModule(config, true, async (hf) => {
    io.out(`hookflow worker ${hf.services.workerId} running against ${config.databaseUrl.replace(/:[^:@/]*@/, ':***@')}; Ctrl-C to stop`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    io.out('stopping: waiting for in-flight work');
  });
}

async function startDemo(config: HostConfig): Promise<void> {
  await startServer(config, {
    seedWorkflows: async ({ host, seed, port, baseUrl }) => {
      // The demo receiver runs on loopback; allowlist exactly that, never "all private ranges".
      const current = host.hookflow.services.settings.get().outboundAllowlist;
      if (!current.includes('127.0.0.1/32')) await host.hookflow.services.settings.save({ outboundAllowlist: [...current, '127.0.0.1/32'] });
      await seedDemoWorkflows(host.hookflow, {
        accountingUrl: `http://127.0.0.1:${port}/demo/accounting/invoices`,
        thankYouUrl: '/demo/thank-you',
        ownerUserId: seed.admin.id,
      });
      await seedDemoPermission(host.hookflow);
      return [`  Try the lead form: ${leadformCurl(baseUrl, host.manifest.routes.inbound, host.hookflow.services.settings.get().shortUrlPath)}`];
    },
  });
}

async function command(name: string, args: string[], io: Io): Promise<void> {
  if (name === 'help' || name === '--help' || name === '-h') { io.out(HELP); return; }
  if (!['start', 'worker', 'migrate', 'export', 'import'].includes(name)) throw new UsageError(`unknown command "${name}"; run hookflow --help`);
  const maxArgs = name === 'export' || name === 'import' ? 1 : 0;
  if (args.length > maxArgs) throw new UsageError(`${name}: unexpected argument "${args[maxArgs]}"`);
  if (name === 'import' && args.length === 0) throw new UsageError('import: give the JSON file to import, e.g. hookflow import flows.json');
  const config = loadHostConfig();
  if (name === 'start') return startDemo(config);
  if (name === 'worker') return runWorker(config, io);
  if (name === 'migrate') {
    const db = openDatabase(config.database);
    try {
      const host = await migrateHost(db);
      const module = await migrateLatest(db);
      io.out(`migrated: host ${host.length} new, hookflow ${module.length} new`);
    } finally { await db.destroy(); }
    return;
  }
  if (name === 'export') {
    const doc = await withModule(config, false, (hf) => hf.services.workflows.exportAll());
    const text = `${JSON.stringify(doc, null, 2)}\n`;
    if (args[0]) fs.writeFileSync(args[0], text); else io.out(text.trimEnd());
    return;
  }
  let doc: unknown;
  try { doc = JSON.parse(fs.readFileSync(args[0], 'utf8')); } catch (err) { throw new UsageError(`import: cannot read ${args[0]}: ${(err as Error).message}`); }
  const result = await withModule(config, false, (hf) => hf.services.workflows.importAll(doc, null));
  io.out(`imported: ${result.created} created, ${result.updated} updated`);
}

/** Runs the CLI; returns the exit code. */
export async function main(argv: string[], io: Io = { out: (s) => console.log(s), err: (s) => console.error(s) }): Promise<number> {
  const [name = 'help', ...args] = argv;
  try {
    await command(name, args, io);
    return 0;
  } catch (err) {
    const e = err as Error & { fields?: Record<string, string> };
    io.err(`hookflow ${name}: ${e.message}`);
    if (e.fields) for (const [k, v] of Object.entries(e.fields)) io.err(`  ${k}: ${v}`);
    return err instanceof UsageError ? 2 : 1;
  }
}
