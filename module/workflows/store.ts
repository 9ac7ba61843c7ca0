/**
 * Workflows in the database: create, update (tasks replaced in order, kept ids keep their log and secrets), read,
 * list, delete, the look-ups hooks and HTTP handler need; task secrets/disabled state: task-store.ts (spread in).
 */
import type { Knex } from 'knex';
import type { Db } from '../host.js';
import { HookflowError } from '../errors.js';
import type { SecretBox } from '../secrets.js';
import { insertReturningId } from '../storage/engine.js';
import { bumpConfigVersion } from '../storage/config-version.js';
import { createTaskStore, sealTaskSecrets } from './task-store.js';
import { taskFromRow, workflowFromRow, type StoredTask, type Workflow, type WorkflowStatus } from './model.js';
import type { ValidatedTask, ValidatedWorkflow } from './validate.js';

export interface WorkflowStoreDeps {
  db: Knex;
  secretBox: SecretBox;
  now(): number;
  /** Called after every committed change (this process's caches forget what they hold). */
  changed?(): void;
}

export type WorkflowStore = ReturnType<typeof createWorkflowStore>;

function workflowRow(w: ValidatedWorkflow, now: number) {
  return {
    module: w.module,
    title: w.title,
    description: w.description ?? null,
    status: w.status,
    trigger: w.trigger,
    trigger_name: w.triggerName ?? null,
    condition_join: w.conditions.join,
    conditions: JSON.stringify(w.conditions.conditions),
    schedule: w.schedule ? JSON.stringify(w.schedule) : null,
    run_mode: w.runMode,
    exec_mode: w.execMode,
    required_env: JSON.stringify(w.requiredEnv),
    updated_at: now,
  };
}

export function createWorkflowStore(deps: WorkflowStoreDeps) {
  const { db, secretBox } = deps;

  /** Every change commits with a new configuration version, so other processes' caches notice it. */
  async function change<R>(write: (trx: Knex.Transaction) => Promise<R>): Promise<R> {
    const result = await db.transaction(async (trx) => {
      const r = await write(trx);
      await bumpConfigVersion(trx, deps.now());
      return r;
    });
    deps.changed?.();
    return result;
  }

  async function loadTasks(q: Db, workflowIds: number[]): Promise<Map<number, StoredTask[]>> {
    const byWorkflow = new Map<number, StoredTask[]>();
    if (workflowIds.length === 0) return byWorkflow;
    const rows = await q('hookflow_tasks').whereIn('workflow_id', workflowIds).orderBy(['workflow_id', 'position']);
    for (const row of rows) {
      const task = taskFromRow(row);
      const list = byWorkflow.get(task.workflowId) ?? [];
      list.push(task);
      byWorkflow.set(task.workflowId, list);
    }
    return byWorkflow;
  }

  async function hydrate(q: Db, rows: Record<string, any>[]): Promise<Workflow[]> {
    const tasks = await loadTasks(
      q,
      rows.map((r) => Number(r.id)),
    );
    return rows.map((r) => workflowFromRow(r, tasks.get(Number(r.id)) ?? []));
  }

  async function writeTasks(
    trx: Knex.Transaction,
    workflowId: number,
    tasks: ValidatedTask[],
    now: number,
  ): Promise<void> {
    const existing = new Map((await loadTasks(trx, [workflowId])).get(workflowId)?.map((t) => [t.id, t]) ?? []);
    const kept = new Set<number>();
    for (const [position, task] of tasks.entries()) {
      const old = task.id !== undefined ? existing.get(task.id) : undefined;
      if (task.id !== undefined && (!old || old.type !== task.type)) {
        throw new HookflowError('validation_failed', 'The workflow is not valid', {
          [`tasks.${position}.id`]: `task ${task.id} is not a ${task.type} task of this workflow`,
        });
      }
      const row = {
        position,
        type: task.type,
        title: task.title,
        description: task.description,
        options: JSON.stringify(task.options),
        secrets: sealTaskSecrets(secretBox, task, old),
        updated_at: now,
      };
      if (old) {
        kept.add(old.id);
        await trx('hookflow_tasks').where({ id: old.id }).update(row);
      } else {
        await trx('hookflow_tasks').insert({ ...row, workflow_id: workflowId, created_at: now });
      }
    }
    const removed = [...existing.keys()].filter((id) => !kept.has(id));
    if (removed.length > 0) await trx('hookflow_tasks').whereIn('id', removed).delete();
  }

  async function createIn(trx: Knex.Transaction, w: ValidatedWorkflow, ownerUserId: number | null): Promise<number> {
    const now = deps.now();
    const id = await insertReturningId(trx, 'hookflow_workflows', {
      ...workflowRow(w, now),
      owner_user_id: ownerUserId,
      created_at: now,
    });
    await writeTasks(trx, id, w.tasks, now);
    return id;
  }

  async function updateIn(trx: Knex.Transaction, id: number, w: ValidatedWorkflow): Promise<void> {
    const now = deps.now();
    const found = await trx('hookflow_workflows').where({ id }).update(workflowRow(w, now));
    if (!found) throw new HookflowError('not_found', `workflow ${id} not found`);
    await writeTasks(trx, id, w.tasks, now);
  }

  return {
    async get(id: number, q: Db = db): Promise<Workflow | null> {
      const row = await q('hookflow_workflows').where({ id }).first();
      return row ? (await hydrate(q, [row]))[0] : null;
    },

    async require(id: number): Promise<Workflow> {
      const wf = await this.get(id);
      if (!wf) throw new HookflowError('not_found', `workflow ${id} not found`);
      return wf;
    },

    async list(filter: { module?: string; status?: WorkflowStatus; trigger?: string } = {}): Promise<Workflow[]> {
      const q = db('hookflow_workflows').orderBy('id');
      if (filter.module) q.where('module', filter.module);
      if (filter.status) q.where('status', filter.status);
      if (filter.trigger) q.where('trigger', filter.trigger);
      return hydrate(db, await q);
    },

    async create(w: ValidatedWorkflow, ownerUserId: number | null): Promise<Workflow> {
      const id = await change((trx) => createIn(trx, w, ownerUserId));
      return (await this.get(id)) as Workflow;
    },

    async update(id: number, w: ValidatedWorkflow): Promise<Workflow> {
      await change((trx) => updateIn(trx, id, w));
      return (await this.get(id)) as Workflow;
    },

    /** Several writes in one transaction (import): all land or none. */
    async transaction(
      fn: (tx: {
        create(w: ValidatedWorkflow, owner: number | null): Promise<number>;
        update(id: number, w: ValidatedWorkflow): Promise<void>;
      }) => Promise<void>,
    ): Promise<void> {
      await change((trx) =>
        fn({ create: (w, owner) => createIn(trx, w, owner), update: (id, w) => updateIn(trx, id, w) }),
      );
    },

    async setStatus(id: number, status: WorkflowStatus): Promise<Workflow> {
      const found = await change((trx) =>
        trx('hookflow_workflows').where({ id }).update({ status, updated_at: deps.now() }),
      );
      if (!found) throw new HookflowError('not_found', `workflow ${id} not found`);
      return (await this.get(id)) as Workflow;
    },

    async remove(id: number): Promise<void> {
      await change(async (trx) => {
        await trx('hookflow_tasks').where({ workflow_id: id }).delete();
        const found = await trx('hookflow_workflows').where({ id }).delete();
        if (!found) throw new HookflowError('not_found', `workflow ${id} not found`);
      });
    },

    /** Every workflow with its tasks, in id order (what the caches hold; workflows/workflow-catalog.ts). */
    async listAll(q: Db = db): Promise<Workflow[]> {
      return hydrate(q, await q('hookflow_workflows').orderBy('id'));
    },

    /** Active workflows of a module with a record trigger, read from the database. */
    async listActiveRecordWorkflows(q: Db, module: string): Promise<Workflow[]> {
      const rows = await q('hookflow_workflows')
        .where({ module, status: 'active' })
        .whereNot('trigger', 'http')
        .orderBy('id');
      return rows.map((r: Record<string, any>) => workflowFromRow(r, []));
    },

    /** Workflows addressed by trigger name (any status: the caller decides what to answer). */
    async findByTriggerName(name: string): Promise<Workflow[]> {
      // Only http workflows answer to a trigger name (a name left on a record-event workflow never starts it).
      return hydrate(db, await db('hookflow_workflows').where({ trigger_name: name, trigger: 'http' }).orderBy('id'));
    },

    ...createTaskStore(deps, change),

    /** How many workflows there are, and how many are active. */
    async counts(): Promise<{ total: number; active: number }> {
      const rows = await db('hookflow_workflows').select('status').count({ n: '*' }).groupBy('status');
      let total = 0;
      let active = 0;
      for (const r of rows as Array<{ status: string; n: unknown }>) {
        total += Number(r.n);
        if (r.status === 'active') active += Number(r.n);
      }
      return { total, active };
    },

    /** Every disabled task with its workflow, newest disable first (the overview lists them). */
    async listDisabledTasks(): Promise<
      Array<{
        taskId: number;
        taskTitle: string;
        workflowId: number;
        workflowTitle: string;
        disabledAt: number;
        disabledReason: string | null;
      }>
    > {
      const rows = await db('hookflow_tasks as t')
        .join('hookflow_workflows as w', 'w.id', 't.workflow_id')
        .whereNotNull('t.disabled_at')
        .orderBy('t.disabled_at', 'desc')
        .select('t.id', 't.title', 't.workflow_id', 'w.title as workflow_title', 't.disabled_at', 't.disabled_reason');
      return rows.map((r: Record<string, any>) => ({
        taskId: Number(r.id),
        taskTitle: r.title,
        workflowId: Number(r.workflow_id),
        workflowTitle: r.workflow_title,
        disabledAt: Number(r.disabled_at),
        disabledReason: r.disabled_reason ?? null,
      }));
    },
  };
}
