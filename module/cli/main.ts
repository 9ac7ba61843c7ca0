/**
 * The `hookflow` command a host gets with the package (package.json `bin`):
 *   hookflow migrate                     Hookflow's tables on DATABASE_URL (only hookflow_* tables)
 *   hookflow worker --host <file>        a worker process for the host described by <file>
 *   hookflow export --host <file> [out]  workflows as JSON;  hookflow import --host <file> <in>
 * Commands are imported only when run, so `hookflow --help` loads nothing else. Errors print one
 * line (`hookflow <command>: <reason>`) on stderr, never a stack trace; usage errors exit 2.
 */
import { parseArgs, UsageError, type ParsedArgs } from './args.js';
import { errorLine } from '../errors.js';

export const HELP = `Usage: hookflow <command> [options]

Commands:
  migrate                      Create or upgrade Hookflow's tables (hookflow_* only) on DATABASE_URL
  rotate-key                   Re-seal every stored secret from HOOKFLOW_SECRET_KEY to HOOKFLOW_NEW_SECRET_KEY
                               (stop every process first; start them again with the new key)
  worker --host FILE           Run a worker process for the host that FILE describes
         [--health-port N]     ... and serve GET /healthz on 127.0.0.1:N
  export --host FILE [OUT]     Write every workflow as JSON to OUT (default: standard output)
  import --host FILE IN        Validate and import workflows from IN (all or nothing)
  help                         Show this help

FILE is a JavaScript module whose default export returns the host's HostContext (see README,
"Install into your own CRM"). Environment: DATABASE_URL (migrate), HOOKFLOW_SECRET_KEY (worker,
export, import; the same key as the web process), LOG_LEVEL.`;

export interface Io {
  out(line: string): void;
  err(line: string): void;
}

const COMMANDS = ['migrate', 'rotate-key', 'worker', 'export', 'import'] as const;
type Command = (typeof COMMANDS)[number];

async function run(command: Command, args: ParsedArgs, io: Io): Promise<void> {
  if (command === 'migrate') return (await import('./migrate-command.js')).migrateCommand(args, io);
  if (command === 'rotate-key') return (await import('./migrate-command.js')).rotateKeyCommand(args, io);
  if (command === 'worker') return (await import('./worker-command.js')).workerCommand(args, io);
  return (await import('./workflows-command.js')).workflowsCommand(command, args, io);
}

/** Runs the CLI; resolves to the exit code. */
export async function main(
  argv: string[],
  io: Io = { out: (s) => console.log(s), err: (s) => console.error(s) },
): Promise<number> {
  const [name = 'help', ...rest] = argv;
  if (['help', '--help', '-h'].includes(name)) {
    io.out(HELP);
    return 0;
  }
  if (!(COMMANDS as readonly string[]).includes(name)) {
    io.err(`hookflow: unknown command "${name}"; run hookflow --help`);
    return 2;
  }
  try {
    await run(name as Command, parseArgs(name, rest), io);
    return 0;
  } catch (err) {
    io.err(`hookflow ${name}: ${errorLine(err)}`);
    return err instanceof UsageError ? 2 : 1;
  }
}
