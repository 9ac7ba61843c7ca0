/**
 * Workflow triggers: which record events start a workflow, the Bitrix24-style event names
 * (`ONCRMDEALUPDATE`) accepted as aliases, and the Standard-envelope event names
 * (`deal.updated`) used in outbound payloads. Everything here is pure.
 */
import { z } from 'zod';

/** What starts a workflow. `record.saved` = created or updated; `http` = an inbound call. */
export const WorkflowTrigger = z.enum(['record.created', 'record.updated', 'record.saved', 'record.deleted', 'http']);
export type WorkflowTrigger = z.infer<typeof WorkflowTrigger>;

/** The lifecycle events the host reports through the hooks. */
export const RecordEventType = z.enum(['record.created', 'record.updated', 'record.deleted']);
export type RecordEventType = z.infer<typeof RecordEventType>;

/** Whether a workflow with `trigger` should look at a record event of `eventType`. */
export function triggerMatchesEvent(trigger: WorkflowTrigger, eventType: RecordEventType): boolean {
  if (trigger === 'record.saved') return eventType === 'record.created' || eventType === 'record.updated';
  // `http` is never a record event, so it falls through to `false` here.
  return trigger === eventType;
}

/** Bitrix entity word → CRM module key. COMPANY is called `Accounts` in this CRM. */
const BITRIX_ENTITIES: Readonly<Record<string, string>> = {
  DEAL: 'Deals',
  LEAD: 'Leads',
  CONTACT: 'Contacts',
  COMPANY: 'Accounts',
};

/** Bitrix verb suffix ↔ record event type. */
const BITRIX_VERBS: Readonly<Record<string, RecordEventType>> = {
  ADD: 'record.created',
  UPDATE: 'record.updated',
  DELETE: 'record.deleted',
};

const BITRIX_EVENT = /^ONCRM(DEAL|LEAD|CONTACT|COMPANY)(ADD|UPDATE|DELETE)$/;

/**
 * `ONCRMDEALUPDATE` → `{ module: 'Deals', eventType: 'record.updated' }`; null for anything
 * else. Case-insensitive; surrounding whitespace is ignored.
 */
export function resolveEventAlias(name: string): { module: string; eventType: RecordEventType } | null {
  if (typeof name !== 'string') return null;
  const match = BITRIX_EVENT.exec(name.trim().toUpperCase());
  if (!match) return null;
  return { module: BITRIX_ENTITIES[match[1]], eventType: BITRIX_VERBS[match[2]] };
}

/**
 * The Bitrix24 event name for a module and event (`Deals`, `record.created` → `ONCRMDEALADD`),
 * or null when the module has no Bitrix equivalent. Module keys match exactly (`Deals`, not `deals`).
 */
export function bitrixEventName(module: string, eventType: RecordEventType): string | null {
  const entity = Object.keys(BITRIX_ENTITIES).find((key) => BITRIX_ENTITIES[key] === module);
  const verb = Object.keys(BITRIX_VERBS).find((key) => BITRIX_VERBS[key] === eventType);
  if (!entity || !verb) return null;
  return `ONCRM${entity}${verb}`;
}

/** Singular nouns for the modules we know; other modules use the generic rule below. */
const MODULE_NOUNS: Readonly<Record<string, string>> = {
  Deals: 'deal',
  Leads: 'lead',
  Contacts: 'contact',
  Accounts: 'account',
};

/**
 * Standard-envelope event name, `noun.past-verb`: (`Deals`, `record.updated`) → `deal.updated`.
 * Unknown modules: lower-cased name minus one trailing `s` (`Invoices` → `invoice`); characters
 * other than a-z 0-9 _ - become `_` so the name stays one dot-free segment.
 */
export function eventTypeName(module: string, eventType: RecordEventType): string {
  const verb = eventType.slice('record.'.length);
  return `${moduleNoun(module)}.${verb}`;
}

function moduleNoun(module: string): string {
  if (Object.hasOwn(MODULE_NOUNS, module)) return MODULE_NOUNS[module];
  const noun = module.toLowerCase().replace(/s$/, '').replace(/[^a-z0-9_-]+/g, '_');
  // An empty noun would give `.created`; `record` keeps the name well-formed.
  return noun === '' ? 'record' : noun;
}

/**
 * Reads a workflow trigger given as text: a canonical trigger (`record.saved`, `http`) or a
 * Bitrix alias (`ONCRMDEALADD` → trigger `record.created`, module `Deals`). Case-insensitive.
 * Returns null for anything else. `module` is set only when the alias implies one.
 */
export function parseTriggerInput(value: string): { trigger: WorkflowTrigger; module?: string } | null {
  if (typeof value !== 'string') return null;
  const canonical = WorkflowTrigger.safeParse(value.trim().toLowerCase());
  if (canonical.success) return { trigger: canonical.data };
  const alias = resolveEventAlias(value);
  if (!alias) return null;
  return { trigger: alias.eventType, module: alias.module };
}
