/**
 * Workflows with their tasks as the short URL and the record-save hooks read them: held in
 * memory, loaded once per configuration version (storage/versioned-snapshot.ts states the bound
 * after which another process's change — a workflow deactivated, edited or deleted — is honoured
 * here). Cached workflows are frozen: callers read them, never change them.
 * The worker, the admin pages and the API keep reading the store itself.
 */
import type { Db } from '../host.js';
import { createVersionedSnapshot, freezeDeep, type ConfigWatch } from '../storage/versioned-snapshot.js';
import type { Workflow } from './model.js';

/** What the handler and the hooks ask about workflows (the catalog, or the store itself). */
export interface WorkflowLookup {
  get(id: number): Promise<Workflow | null>;
  /** Http workflows addressed by trigger name, any status, in id order. */
  findByTriggerName(name: string): Promise<Workflow[]>;
  /** Active workflows of a module with a record trigger, in id order; `q` is the caller's transaction. */
  listActiveRecordWorkflows(q: Db, module: string): Promise<Workflow[]>;
}

interface WorkflowIndex {
  byId: Map<number, Workflow>;
  byTriggerName: Map<string, Workflow[]>;
  activeRecordByModule: Map<string, Workflow[]>;
}

function pushTo(map: Map<string, Workflow[]>, key: string, wf: Workflow): void {
  const list = map.get(key);
  if (list) list.push(wf);
  else map.set(key, [wf]);
}

/** PURE: indexes workflows (given in id order) the way the store's look-ups select them. */
export function indexWorkflows(all: readonly Workflow[]): WorkflowIndex {
  const index: WorkflowIndex = { byId: new Map(), byTriggerName: new Map(), activeRecordByModule: new Map() };
  for (const wf of all) {
    freezeDeep(wf);
    index.byId.set(wf.id, wf);
    if (wf.trigger === 'http' && wf.triggerName !== null) pushTo(index.byTriggerName, wf.triggerName, wf);
    if (wf.status === 'active' && wf.trigger !== 'http') pushTo(index.activeRecordByModule, wf.module, wf);
  }
  return index;
}

export function createWorkflowCatalog(deps: {
  watch: ConfigWatch;
  listAll(q: Db): Promise<Workflow[]>;
}): WorkflowLookup {
  const snapshot = createVersionedSnapshot(deps.watch, async (q) => indexWorkflows(await deps.listAll(q)));
  return {
    async get(id) {
      return (await snapshot.get()).byId.get(id) ?? null;
    },
    async findByTriggerName(name) {
      return [...((await snapshot.get()).byTriggerName.get(name) ?? [])];
    },
    async listActiveRecordWorkflows(q, module) {
      return [...((await snapshot.get(q)).activeRecordByModule.get(module) ?? [])];
    },
  };
}
