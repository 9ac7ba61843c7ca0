/**
 * The reference CRM's command (`node bin/crm.js`, what `npm start` runs): start the demo CRM,
 * run its worker as its own process, migrate its tables and Hookflow's, and import/export
 * workflows. It uses Hookflow only through the package's public exports, exactly as a foreign CRM
 * would (its worker is the package's `runWorker`). Errors print one line and exit non-zero.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { errorLine, importSummary, install, migrate, rotateKey, runWorker, type InstalledHookflow } from 'hookflow';
import { loadHostConfig, type HostConfig } from './config.js';
import { openDatabase } from './db.js';
import { createHostContext } from './app.js';
import { migrateHost } from './schema.js';
import { startServer } from './server.js';
import { leadformCurl, seedDemoPermission, seedDemoWorkflows } from './seed-workflows.js';
import { HELP, isHelp } from './cli-help.js';

export { HELP };

class UsageError extends Error {}

export type Io = { out: (s: string) => void; err: (s: string) => void };

/** The host's services and Hookflow installed without starting its worker, for one-shot commands. */
async function withModule<T>(config: HostConfig, fn: (hf: InstalledHookflow) => Promise<T>): Promise<T> {
  const db = openDatabase(config.database, { dataDir: config.dataDir });
  try {
    await migrateHost(db);
    const host = createHostContext({ db, config, logger: pino({ level: config.logLevel }) });
    const hf = await install(host.context, { secretKey: config.secretKey, startWorker: false });
    try {
      return await fn(hf);
    } finally {
      await hf.uninstall();
      host.close();
    }
  } finally {
    await db.destroy();
  }
}

async function workerCommand(config: HostConfig, io: Io): Promise<void> {
  const db = openDatabase(config.database, { dataDir: config.dataDir });
  try {
    await migrateHost(db);
    const host = createHostContext({ db, config, logger: pino({ level: config.logLevel }) });
    try {
      const running = await runWorker(host.context, { secretKey: config.secretKey });
      io.out(
        `hookflow worker ${running.workerId} running against ${config.databaseUrl.replace(/:[^:@/]*@/, ':***@')}; Ctrl-C to stop`,
      );
      await running.stopped;
      io.out('stopped: in-flight work finished');
    } finally {
      host.close();
    }
  } finally {
    await db.destroy();
  }
}

async function startDemo(config: HostConfig): Promise<void> {
  await startServer(config, {
    seedWorkflows: async ({ host, seed, port }) => {
      // The demo receiver runs on loopback; allowlist exactly that, never "all private ranges".
      const current = host.hookflow.services.settings.get().outboundAllowlist;
      if (!current.includes('127.0.0.1/32'))
        await host.hookflow.services.settings.save({ outboundAllowlist: [...current, '127.0.0.1/32'] });
      await seedDemoWorkflows(host.hookflow, {
        accountingUrl: `http://127.0.0.1:${port}/demo/accounting/invoices`,
        thankYouUrl: '/demo/thank-you',
        ownerUserId: seed.admin.id,
      });
      await seedDemoPermission(host.hookflow);
      return [`  Try the lead form: ${leadformCurl(host.hookflow.shortUrl())}`];
    },
  });
}

async function migrateCommand(config: HostConfig, io: Io): Promise<void> {
  const db = openDatabase(config.database, { dataDir: config.dataDir });
  try {
    const host = await migrateHost(db);
    const module = await migrate(db);
    io.out(`migrated: host ${host.length} new, hookflow ${module.length} new`);
  } finally {
    await db.destroy();
  }
}

async function rotateKeyCommand(config: HostConfig, env: NodeJS.ProcessEnv, io: Io): Promise<void> {
  const next = env.HOOKFLOW_NEW_SECRET_KEY;
  if (!next) throw new UsageError('HOOKFLOW_NEW_SECRET_KEY: not set (the key to change to, e.g. openssl rand -hex 32)');
  const db = openDatabase(config.database, { dataDir: config.dataDir });
  try {
    const { resealed } = await rotateKey(db, { from: config.secretKey, to: next });
    if (env.HOOKFLOW_SECRET_KEY) {
      io.out(`rotated: ${resealed} tasks re-sealed; set HOOKFLOW_SECRET_KEY to the new key before starting again`);
      return;
    }
    // The key lives in the data dir: replace it there (write + rename, so a crash leaves one of the two).
    const file = path.join(config.dataDir, 'secret.key');
    fs.writeFileSync(`${file}.new`, `${next.trim()}\n`, { mode: 0o600 });
    fs.renameSync(`${file}.new`, file);
    io.out(`rotated: ${resealed} tasks re-sealed; ${file} now holds the new key`);
  } finally {
    await db.destroy();
  }
}

async function importCommand(config: HostConfig, file: string, io: Io): Promise<void> {
  let doc: unknown;
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
  io.out(importSummary(await withModule(config, (hf) => hf.services.workflows.importAll(doc, null))));
}

async function exportCommand(config: HostConfig, file: string | undefined, io: Io): Promise<void> {
  const doc = await withModule(config, (hf) => hf.services.workflows.exportAll());
  const text = `${JSON.stringify(doc, null, 2)}\n`;
  if (file) fs.writeFileSync(file, text);
  else io.out(text.trimEnd());
}

function checkArgs(name: string, args: string[]): void {
  if (!['start', 'worker', 'migrate', 'rotate-key', 'export', 'import'].includes(name))
    throw new UsageError(`unknown command "${name}"; run crm --help`);
  const maxArgs = name === 'export' || name === 'import' ? 1 : 0;
  if (args.length > maxArgs) throw new UsageError(`unexpected argument "${args[maxArgs]}"`);
  if (name === 'import' && args.length === 0)
    throw new UsageError('give the JSON file to import, e.g. crm import flows.json');
}

async function command(name: string, args: string[], io: Io, env: NodeJS.ProcessEnv): Promise<void> {
  checkArgs(name, args);
  const config = loadHostConfig(env);
  if (name === 'start') return startDemo(config);
  if (name === 'worker') return workerCommand(config, io);
  if (name === 'migrate') return migrateCommand(config, io);
  if (name === 'rotate-key') return rotateKeyCommand(config, env, io);
  if (name === 'export') return exportCommand(config, args[0], io);
  return importCommand(config, args[0], io);
}

/** Runs the CLI; returns the exit code. `env` is where configuration is read from. Default `process.env`. */
export async function main(
  argv: string[],
  io: Io = { out: (s) => console.log(s), err: (s) => console.error(s) },
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const [name = 'help', ...args] = argv;
  if (isHelp(name)) {
    io.out(HELP);
    return 0;
  }
  try {
    await command(name, args, io, env);
    return 0;
  } catch (err) {
    io.err(`crm ${name}: ${errorLine(err)}`);
    return err instanceof UsageError ? 2 : 1;
  }
}
