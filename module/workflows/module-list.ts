/**
 * The host's module descriptions as the run executor sees them: read through
 * `records.listModules()` at most once per `maxAgeMs` and shared by every run meanwhile (asking on
 * every run cost a statement per short-URL request).
 *
 * The bound: a module the host starts or stops listing is seen by every run that starts
 * `maxAgeMs` or more after the change (a list counts as fresh from the moment its read STARTED).
 * `maxAgeMs` 0 asks the host on every run. A failed read is not kept: the next run asks again.
 * The clock is injected (unit tests drive it).
 */
import type { ModuleInfo } from '../host.js';

export interface ModuleListDeps {
  listModules(): Promise<ModuleInfo[]>;
  /** How long a list read counts as fresh (ms); 0 = ask on every run. */
  maxAgeMs: number;
  now(): number;
}

export type ModuleList = ReturnType<typeof createModuleList>;

export function createModuleList(deps: ModuleListDeps) {
  let current: { startedAt: number; list: Promise<ModuleInfo[]> } | null = null;

  function fresh(): Promise<ModuleInfo[]> {
    const at = deps.now();
    if (current && at - current.startedAt < deps.maxAgeMs) return current.list;
    const read = { startedAt: at, list: deps.listModules() };
    current = read;
    read.list.catch(() => {
      if (current === read) current = null;
    });
    return read.list;
  }

  return {
    /** The description of the module named `name`, or undefined when the host does not list it. */
    async find(name: string): Promise<ModuleInfo | undefined> {
      return (await fresh()).find((m) => m.name === name);
    },
  };
}
