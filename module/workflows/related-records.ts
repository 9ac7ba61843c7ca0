/**
 * Loads the related records a run's templates and conditions read (related-paths.ts says which)
 * into its template record: `record.account = { id, ...fields }` of the Account its `account_id`
 * names, `record.contact.account = …` for a second hop. Read through `host.records.get` when the
 * run starts, so values are those at run time; each record is read once per run. A reference
 * that is empty or names a record that is gone leaves the hop out (its values render empty).
 */
import type { HostRecords, ModuleInfo } from '../host.js';
import { recordPathsIn, relatedChainsOf, resolveRelatedPath } from '../related-paths.js';
import { collectStrings } from './task-types.js';

type Fields = Record<string, unknown>;

export interface RelatedLoader {
  /** Adds the chains' records to `record` (changed in place). */
  load(record: Fields, from: ModuleInfo, chains: readonly string[][]): Promise<void>;
}

export function createRelatedLoader(records: Pick<HostRecords, 'get'>, modules: readonly ModuleInfo[]): RelatedLoader {
  const cache = new Map<string, Promise<Fields | null>>();
  const read = (module: string, id: number) => {
    const key = `${module}#${id}`;
    let hit = cache.get(key);
    if (!hit) {
      hit = records.get(module, id).then((r) => (r ? { id: r.id, ...r.fields } : null));
      cache.set(key, hit);
    }
    return hit;
  };
  return {
    async load(record, from, chains) {
      // Shorter chains first: a second hop starts from the record its first hop loaded.
      for (const chain of [...chains].sort((a, b) => a.length - b.length)) {
        const resolved = resolveRelatedPath(modules, from, [...chain, 'id'].join('.'));
        if (!resolved || 'error' in resolved) continue;
        let at: Fields | null = record;
        for (const hop of resolved.hops) {
          if (at === null) break;
          const present: unknown = at[hop.as];
          if (present !== null && typeof present === 'object') {
            at = present as Fields;
            continue;
          }
          const id = Number(at[hop.field.name]);
          const next: Fields | null = Number.isSafeInteger(id) && id > 0 ? await read(hop.target.name, id) : null;
          if (next) at[hop.as] = { ...next };
          at = (at[hop.as] as Fields | undefined) ?? null;
        }
      }
    },
  };
}

/** Every record path a workflow reads: its conditions' fields and the `record.…` references in its tasks' options. */
export function recordPathsOf(wf: {
  conditions: { conditions: ReadonlyArray<{ field: string }> };
  tasks: ReadonlyArray<{ options: unknown }>;
}): string[] {
  const paths = wf.conditions.conditions.map((c) => c.field);
  for (const task of wf.tasks)
    for (const { value } of collectStrings(task.options, '')) paths.push(...recordPathsIn(value));
  return paths;
}

/**
 * Loads into `record` the related records `wf` reads (nothing when it reads none: no host call).
 * Returns whether any condition of `wf` is on a related record (it is checked at run start).
 */
export async function addRelatedRecords(
  records: Pick<HostRecords, 'get' | 'listModules'>,
  module: string,
  record: Fields | null,
  wf: Parameters<typeof recordPathsOf>[0],
): Promise<{ relatedConditions: boolean }> {
  const paths = recordPathsOf(wf);
  if (record === null || !paths.some((p) => p.includes('.'))) return { relatedConditions: false };
  const modules = await records.listModules();
  const from = modules.find((m) => m.name === module);
  if (!from) return { relatedConditions: false };
  const chains = relatedChainsOf(modules, from, paths);
  if (chains.length > 0) await createRelatedLoader(records, modules).load(record, from, chains);
  const relatedConditions = wf.conditions.conditions.some((c) => resolveRelatedPath(modules, from, c.field) !== null);
  return { relatedConditions };
}
