/**
 * Workflow triggers: which record events start a workflow, the Bitrix24-style event names
 * (`ONCRMDEALUPDATE`) accepted as aliases of modules that declare a Bitrix24 entity, and the
 * Standard-envelope event names (`deal.updated`) used in outbound payloads. Everything here is
 * pure; which module is which comes from the host's module descriptions, never from names here.
 */
import { z } from 'zod';
import type { ModuleInfo } from '../host.js';

/**
 * What starts a workflow. `record.saved` = created or updated; `http` = an inbound call;
 * `schedule` = its schedule's slots (workflows/schedule-policy.ts), never a record event.
 */
export const WorkflowTrigger = z.enum([
  'record.created',
  'record.updated',
  'record.saved',
  'record.deleted',
  'http',
  'schedule',
]);
export type WorkflowTrigger = z.infer<typeof WorkflowTrigger>;

/** The lifecycle events the host reports through the hooks. */
export const RecordEventType = z.enum(['record.created', 'record.updated', 'record.deleted']);
export type RecordEventType = z.infer<typeof RecordEventType>;

/**
 * The event of a run a backfill queued for an existing record ("Run for existing records"): no
 * change happened, so it is no lifecycle event and starts no workflow; bodies name it
 * `<noun>.backfilled`, and Bitrix24 bodies (which know no such event) the module's UPDATE event.
 */
export const BACKFILL_EVENT = 'record.backfilled';

/** The event types a run's body can describe. */
export type BodyEventType = RecordEventType | typeof BACKFILL_EVENT;

/** Whether a workflow with `trigger` should look at a record event of `eventType`. */
export function triggerMatchesEvent(trigger: WorkflowTrigger, eventType: RecordEventType): boolean {
  if (trigger === 'record.saved') return eventType === 'record.created' || eventType === 'record.updated';
  // `http` and `schedule` are never record events, so they fall through to `false` here.
  return trigger === eventType;
}

/** Bitrix verb suffix ↔ record event type. */
const BITRIX_VERBS: Readonly<Record<string, RecordEventType>> = {
  ADD: 'record.created',
  UPDATE: 'record.updated',
  DELETE: 'record.deleted',
};

const BITRIX_EVENT = /^ONCRM([A-Z0-9_]{1,40}?)(ADD|UPDATE|DELETE)$/;

/** Bitrix24's dynamic-item (smart process) events: generic, or per type with `_<ENTITY_TYPE_ID>`. */
const DYNAMIC_EVENT = /^ONCRMDYNAMICITEM(ADD|UPDATE|DELETE)(?:_([1-9][0-9]{0,9}))?$/;

/** The Bitrix24 entity name a module declares (upper-cased), or null. */
const bitrixEntityOf = (m: ModuleInfo | undefined) =>
  m?.aliases?.bitrix24 ? m.aliases.bitrix24.trim().toUpperCase() : null;

/** The Bitrix24 dynamic type (`ENTITY_TYPE_ID`) a module declares, or null. */
export function bitrixEntityTypeIdOf(m: ModuleInfo | undefined): number | null {
  const id = m?.aliases?.bitrix24EntityTypeId;
  return typeof id === 'number' && Number.isSafeInteger(id) && id > 0 ? id : null;
}

/**
 * The module a dynamic-item event names: `_<id>` picks the module declaring that type id; the
 * generic name picks `preferred` when it declares a type id, else the only module declaring one
 * (none, or several and no preferred one: null, the name is ambiguous).
 */
function dynamicModule(typeId: string | undefined, modules: readonly ModuleInfo[], preferred?: string) {
  if (typeId !== undefined) return modules.find((m) => bitrixEntityTypeIdOf(m) === Number(typeId));
  const dynamic = modules.filter((m) => bitrixEntityTypeIdOf(m) !== null);
  return dynamic.find((m) => m.name === preferred) ?? (dynamic.length === 1 ? dynamic[0] : undefined);
}

/**
 * `ONCRMDEALUPDATE` → `{ module: <the module whose Bitrix24 alias is DEAL>, eventType: 'record.updated' }`;
 * `ONCRMDYNAMICITEMADD_31` → the module whose `bitrix24EntityTypeId` is 31 (the generic
 * `ONCRMDYNAMICITEMADD`: see dynamicModule; `preferred` is the workflow's own module, when known).
 * Null when the name is no Bitrix24 event or no module declares its entity. Case-insensitive;
 * surrounding whitespace is ignored. The modules come from the host (listModules).
 */
export function resolveEventAlias(
  name: string,
  modules: readonly ModuleInfo[],
  preferred?: string,
): { module: string; eventType: RecordEventType } | null {
  if (typeof name !== 'string') return null;
  const upper = name.trim().toUpperCase();
  const dynamic = DYNAMIC_EVENT.exec(upper);
  if (dynamic) {
    const found = dynamicModule(dynamic[2], modules, preferred);
    return found ? { module: found.name, eventType: BITRIX_VERBS[dynamic[1]] } : null;
  }
  const match = BITRIX_EVENT.exec(upper);
  if (!match) return null;
  const mod = modules.find((m) => bitrixEntityOf(m) === match[1]);
  return mod ? { module: mod.name, eventType: BITRIX_VERBS[match[2]] } : null;
}

/**
 * The Bitrix24 event name of a module's event (`DEAL`, `record.created` → `ONCRMDEALADD`; a module
 * with a `bitrix24EntityTypeId` → `ONCRMDYNAMICITEMADD`, the generic name Bitrix24 sends with the
 * type in `data[FIELDS][ENTITY_TYPE_ID]`), or null when the module declares neither alias.
 */
export function bitrixEventName(module: ModuleInfo | undefined, eventType: BodyEventType): string | null {
  const entity = bitrixEntityTypeIdOf(module) !== null ? 'DYNAMICITEM' : bitrixEntityOf(module);
  const asChange = eventType === BACKFILL_EVENT ? 'record.updated' : eventType;
  const verb = Object.keys(BITRIX_VERBS).find((key) => BITRIX_VERBS[key] === asChange);
  if (!entity || !verb) return null;
  return `ONCRM${entity}${verb}`;
}

/**
 * Standard-envelope event name, `noun.past-verb`: the module's declared event noun, else its name
 * lower-cased minus one trailing `s` (`Invoices` → `invoice`); characters other than a-z 0-9 _ -
 * become `_` so the name stays one dot-free segment.
 */
export function eventTypeName(module: ModuleInfo | string, eventType: BodyEventType): string {
  const verb = eventType.slice('record.'.length);
  return `${moduleNoun(module)}.${verb}`;
}

function moduleNoun(module: ModuleInfo | string): string {
  const declared = typeof module === 'string' ? undefined : module.aliases?.event;
  const name = typeof module === 'string' ? module : module.name;
  const noun = (declared ?? name.toLowerCase().replace(/s$/, '')).toLowerCase().replace(/[^a-z0-9_-]+/g, '_');
  // An empty noun would give `.created`; `record` keeps the name well-formed.
  return noun === '' ? 'record' : noun;
}

/**
 * Reads a workflow trigger given as text: a canonical trigger (`record.saved`, `http`) or a
 * Bitrix alias of a module that declares one (`ONCRMDEALADD` → trigger `record.created`, the
 * module aliased `DEAL`; `ONCRMDYNAMICITEMUPDATE_31` → the module of dynamic type 31). Case-insensitive.
 * Returns null for anything else. `module` is set only when the alias implies one; `workflowModule`
 * settles the generic dynamic-item names when several modules declare a type id.
 */
export function parseTriggerInput(
  value: string,
  modules: readonly ModuleInfo[],
  workflowModule?: string,
): { trigger: WorkflowTrigger; module?: string } | null {
  if (typeof value !== 'string') return null;
  const canonical = WorkflowTrigger.safeParse(value.trim().toLowerCase());
  if (canonical.success) return { trigger: canonical.data };
  const alias = resolveEventAlias(value, modules, workflowModule);
  if (!alias) return null;
  return { trigger: alias.eventType, module: alias.module };
}
