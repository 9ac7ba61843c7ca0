/**
 * Paths that follow reference fields to related records (PURE): `account.name` on a Deal reads
 * the name of the Account its `account_id` names; `contact.account.industry` goes two hops.
 *
 * Rules:
 *   - A hop is a `reference` field (the host says which module it `references`), named by its
 *     name less a trailing `_id` (`account_id` → `account`; `{{record.account_id}}` stays the id),
 *     or by its own name when it has no such suffix; a field of the module by that name wins.
 *   - At most MAX_HOPS hops; after the last hop comes a field of the module reached (or `id`).
 *   - A path whose first segment is a field that is not a reference is not related (an object
 *     field such as `contact.name` keeps working as before).
 *   - `changed`, `changed_to` and `changed_from` cannot look at related records: their earlier
 *     values are not known (the event carries the record's own previous values only).
 *   - Values are read when the run starts (worker time), not when the record was saved.
 */
import type { ModuleField, ModuleInfo } from './host.js';

export const MAX_HOPS = 2;

/** One hop: the reference field followed, the name it was written as, and the module it leads to. */
export interface Hop {
  field: ModuleField;
  as: string;
  target: ModuleInfo;
}

export type RelatedPath = { hops: Hop[]; field: string } | { error: string } | null;

// `account_id` is followed as `account` (the id keeps printing as itself); a reference field
// without the suffix is followed under its own name.
const hopName = (f: ModuleField): string => (f.name.endsWith('_id') ? f.name.slice(0, -3) : f.name);

function findHop(modules: readonly ModuleInfo[], from: ModuleInfo, name: string): Hop | { error: string } | null {
  const field = from.fields.find((f) => f.type === 'reference' && hopName(f) === name);
  // A field of its own by that name wins: the module's `account` text field is not a hop.
  if (!field || from.fields.some((f) => f.name === name && f.type !== 'reference')) return null;
  const target = modules.find((m) => m.name === field.references);
  if (!target)
    return { error: `${field.label} refers to module ${field.references ?? '(none)'}, which does not exist` };
  return { field, as: name, target };
}

/**
 * What a dotted path reads, starting at module `from`: null when it is not a related path (its
 * head is no reference field), else its hops and the final field, or an error naming the part.
 */
export function resolveRelatedPath(modules: readonly ModuleInfo[], from: ModuleInfo, path: string): RelatedPath {
  const segments = path.split('.');
  const hops: Hop[] = [];
  let at = from;
  for (let i = 0; i < segments.length - 1; i++) {
    const hop = findHop(modules, at, segments[i]);
    if (hop === null) break;
    if ('error' in hop) return hop;
    if (hops.length === MAX_HOPS)
      return { error: `"${path}" follows more than ${MAX_HOPS} related records; at most ${MAX_HOPS} hops` };
    hops.push(hop);
    at = hop.target;
  }
  if (hops.length === 0) return null;
  const rest = segments.slice(hops.length);
  if (rest.length > 1 || (rest[0] !== 'id' && !at.fields.some((f) => f.name === rest[0])))
    return { error: `${at.label} has no field "${rest.join('.')}" (in "${path}")` };
  return { hops, field: rest[0] };
}

/** Related paths that templates in `text` read from the record: `record.account.name`, `$record.contact.account.city`. */
export function recordPathsIn(text: string): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(/(?<![A-Za-z0-9_.])\$?record((?:\.[A-Za-z0-9_]+){2,})/g)) found.add(m[1].slice(1));
  return [...found];
}

/** The hop chains (as written, e.g. ['contact', 'account']) a workflow needs loaded, deduplicated. */
export function relatedChainsOf(
  modules: readonly ModuleInfo[],
  from: ModuleInfo,
  paths: readonly string[],
): string[][] {
  const chains = new Map<string, string[]>();
  for (const path of paths) {
    const r = resolveRelatedPath(modules, from, path);
    if (!r || 'error' in r) continue;
    // Every prefix: a two-hop chain needs its first hop's record too.
    for (let n = 1; n <= r.hops.length; n++) {
      const chain = r.hops.slice(0, n).map((h) => h.as);
      chains.set(chain.join('.'), chain);
    }
  }
  return [...chains.values()];
}

/** Ops that compare with earlier values, which related records do not have. */
export const CHANGE_OPS: ReadonlySet<string> = new Set(['changed', 'changed_to', 'changed_from']);

/** A field reachable through one or two hops, for pickers: `account.name`, labelled "Account › Account name". */
export interface RelatedFieldChoice {
  path: string;
  label: string;
  field: ModuleField;
}

/** Every field of the records `from` refers to, one and two hops away (in field order). */
export function relatedFieldChoices(modules: readonly ModuleInfo[], from: ModuleInfo): RelatedFieldChoice[] {
  const out: RelatedFieldChoice[] = [];
  const walk = (at: ModuleInfo, prefix: string, label: string, depth: number) => {
    for (const f of at.fields) {
      if (f.type !== 'reference') continue;
      const hop = findHop(modules, at, hopName(f));
      if (hop === null || 'error' in hop) continue;
      const path = `${prefix}${hop.as}`;
      const hopLabel = `${label}${f.label}`;
      for (const g of hop.target.fields)
        out.push({ path: `${path}.${g.name}`, label: `${hopLabel} › ${g.label}`, field: g });
      if (depth + 1 < MAX_HOPS) walk(hop.target, `${path}.`, `${hopLabel} › `, depth + 1);
    }
  };
  walk(from, '', '', 0);
  return out;
}

/**
 * Whether a saved condition's path follows a reference, judged from the record's own values
 * (the save path must not call the host: it runs inside the host's transaction). A saved
 * dotted path is either into an object field or a related path (save-time checks); it is
 * related when its head is a reference's hop name (`account` beside an `account_id` value) or a
 * field holding an id (a number cannot be walked into).
 */
export function followsReference(path: string, fields: Record<string, unknown>): boolean {
  const dot = path.indexOf('.');
  if (dot < 0) return false;
  const head = path.slice(0, dot);
  const own = Object.prototype.hasOwnProperty.call(fields, head);
  if (!own) return Object.prototype.hasOwnProperty.call(fields, `${head}_id`);
  return typeof fields[head] === 'number' || fields[head] === null;
}
