/**
 * PURE: the `hookflow` command's arguments, read strictly with node's `util.parseArgs` — an
 * unknown flag, a missing value or an extra positional is a usage error naming it, never ignored.
 */
import { parseArgs as parseNodeArgs } from 'node:util';

export class UsageError extends Error {}

export interface ParsedArgs {
  /** `--host FILE`: the module describing the host. */
  host?: string;
  /** `--health-port N` (worker). */
  healthPort?: number;
  positionals: string[];
}

/** Flags and positional counts per command. */
const SHAPES: Record<string, { flags: string[]; min: number; max: number; needsHost: boolean; usage: string }> = {
  migrate: { flags: [], min: 0, max: 0, needsHost: false, usage: 'hookflow migrate' },
  'rotate-key': { flags: [], min: 0, max: 0, needsHost: false, usage: 'hookflow rotate-key' },
  worker: {
    flags: ['host', 'health-port'],
    min: 0,
    max: 0,
    needsHost: true,
    usage: 'hookflow worker --host FILE [--health-port N]',
  },
  export: { flags: ['host'], min: 0, max: 1, needsHost: true, usage: 'hookflow export --host FILE [OUT]' },
  import: { flags: ['host'], min: 1, max: 1, needsHost: true, usage: 'hookflow import --host FILE IN' },
};

function parsePort(text: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535)
    throw new UsageError(`--health-port: must be a port number from 0 to 65535, not "${text}"`);
  return Number(text);
}

export function parseArgs(command: string, argv: string[]): ParsedArgs {
  const shape = SHAPES[command];
  let parsed: ReturnType<typeof parseNodeArgs>;
  try {
    parsed = parseNodeArgs({
      args: argv,
      options: Object.fromEntries(shape.flags.map((f) => [f, { type: 'string' as const }])),
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split('\n')[0]}; usage: ${shape.usage}`);
  }
  const { values, positionals } = parsed;
  if (positionals.length > shape.max)
    throw new UsageError(`unexpected argument "${positionals[shape.max]}"; usage: ${shape.usage}`);
  if (positionals.length < shape.min) throw new UsageError(`missing argument; usage: ${shape.usage}`);
  const host = values.host as string | undefined;
  if (shape.needsHost && !host)
    throw new UsageError(
      `--host FILE is required (a module whose default export returns your HostContext); usage: ${shape.usage}`,
    );
  const port = values['health-port'] as string | undefined;
  return { host, healthPort: port === undefined ? undefined : parsePort(port), positionals };
}
