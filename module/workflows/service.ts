/**
 * Workflow management used by the API, the CLI (import/export) and the settings pages:
 * validation + storage in one place, so no caller can save an unchecked workflow.
 */
import type { HostContext } from '../host.js';
import type { HookflowSettings } from '../config.js';
import { HookflowError } from '../errors.js';
import type { AnyTaskDefinition } from './task-types.js';
import type { TemplateEngine } from './templates.js';
import type { WorkflowStore } from './store.js';
import { publicTask, type Workflow, type WorkflowStatus } from './model.js';
import { validateWorkflowInput, type ValidatedWorkflow } from './validate.js';

export interface WorkflowServiceDeps {
  host: HostContext;
  store: WorkflowStore;
  taskTypes: Map<string, AnyTaskDefinition>;
  templates: TemplateEngine;
  settings(): HookflowSettings;
}

export type WorkflowService = ReturnType<typeof createWorkflowService>;

export const EXPORT_FORMAT = 'hookflow.workflows.v1';

export function createWorkflowService(deps: WorkflowServiceDeps) {
  const { store } = deps;

  async function validate(raw: unknown): Promise<ValidatedWorkflow> {
    const modules = await deps.host.records.listModules();
    return validateWorkflowInput(raw, { modules, taskTypes: deps.taskTypes, checkTemplate: (t) => deps.templates.check(t), settings: deps.settings() });
  }

  /** The API view: everything but secrets (only their names). */
  function toPublic(wf: Workflow) {
    return { ...wf, tasks: wf.tasks.map((t) => publicTask(t, store.secretNames(t))) };
  }

  /** The portable form: no ids, no secrets (names of required secrets are listed). */
  function toExport(wf: Workflow) {
    return {
      module: wf.module, title: wf.title, description: wf.description, status: wf.status, trigger: wf.trigger,
      triggerName: wf.triggerName, conditions: wf.conditions, runMode: wf.runMode, execMode: wf.execMode, requiredEnv: wf.requiredEnv,
      tasks: wf.tasks.map((t) => ({ type: t.type, title: t.title, description: t.description, options: t.options, secretsRequired: store.secretNames(t) })),
    };
  }

  return {
    validate,
    toPublic,

    async create(raw: unknown, ownerUserId: number | null): Promise<Workflow> {
      return store.create(await validate(raw), ownerUserId);
    },

    async update(id: number, raw: unknown): Promise<Workflow> {
      await store.require(id);
      return store.update(id, await validate(raw));
    },

    async setStatus(id: number, status: WorkflowStatus): Promise<Workflow> {
      return store.setStatus(id, status);
    },

    async exportAll(): Promise<{ format: string; exportedAt: string; workflows: ReturnType<typeof toExport>[] }> {
      const all = await store.list();
      return { format: EXPORT_FORMAT, exportedAt: deps.host.now().toISOString(), workflows: all.map(toExport) };
    },

    /**
     * Imports workflows. Everything is validated before anything is written. A workflow with the
     * same module and title as an existing one updates it (tasks matched by position and type keep
     * their ids and stored secrets); others are created.
     */
    async importAll(doc: unknown, ownerUserId: number | null): Promise<{ created: number; updated: number }> {
      const body = doc as { format?: unknown; workflows?: unknown };
      if (!body || typeof body !== 'object' || body.format !== EXPORT_FORMAT || !Array.isArray(body.workflows)) {
        throw new HookflowError('validation_failed', `not a Hookflow export: expected { "format": "${EXPORT_FORMAT}", "workflows": [...] }`);
      }
      const existing = await store.list();
      const fields: Record<string, string> = {};
      const plan: Array<{ target?: Workflow; input: ValidatedWorkflow }> = [];
      for (const [i, raw] of (body.workflows as Array<Record<string, any>>).entries()) {
        const target = existing.find((w) => w.module === raw?.module && w.title === raw?.title);
        const tasks = Array.isArray(raw?.tasks) ? raw.tasks.map((t: Record<string, any>, pos: number) => {
          const { secretsRequired: _omit, ...rest } = t ?? {};
          const same = target?.tasks[pos];
          return same && same.type === rest.type ? { ...rest, id: same.id } : rest;
        }) : raw?.tasks;
        try {
          plan.push({ target, input: await validate({ ...raw, tasks }) });
        } catch (err) {
          if (!(err instanceof HookflowError) || !err.fields) throw err;
          for (const [k, v] of Object.entries(err.fields)) fields[`workflows.${i}.${k}`] = v;
        }
      }
      if (Object.keys(fields).length > 0) throw new HookflowError('validation_failed', 'The import is not valid; nothing was imported', fields);
      let created = 0;
      let updated = 0;
      await store.transaction(async (tx) => {
        for (const { target, input } of plan) {
          if (target) { await tx.update(target.id, input); updated++; } else { await tx.create(input, ownerUserId); created++; }
        }
      });
      return { created, updated };
    },
  };
}
