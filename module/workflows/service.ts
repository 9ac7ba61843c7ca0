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
import { describeMissing, missingSecrets } from './missing-secrets.js';

export interface MissingSecrets {
  workflow: string;
  task: string;
  taskIndex: number;
  secrets: string[];
}

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
    return validateWorkflowInput(raw, {
      modules,
      taskTypes: deps.taskTypes,
      checkTemplate: (t) => deps.templates.check(t),
      settings: deps.settings(),
    });
  }

  /** The API view: everything but secrets (only their names, and the names still to enter). */
  function toPublic(wf: Workflow) {
    return {
      ...wf,
      tasks: wf.tasks.map((t) => {
        const names = store.secretNames(t);
        return { ...publicTask(t, names), secretsMissing: missingSecrets(t, names, deps.taskTypes) };
      }),
    };
  }

  /** Secrets each task of `input` needs and will not have once saved over `existing`. */
  function missingFor(input: ValidatedWorkflow, existing: Workflow | undefined): MissingSecrets[] {
    return input.tasks
      .map((t, taskIndex) => {
        const stored = t.id === undefined ? undefined : existing?.tasks.find((x) => x.id === t.id);
        const kept = t.secrets === null || !stored ? [] : store.secretNames(stored);
        const given = Object.entries(t.secrets ?? {})
          .filter(([, v]) => v !== '')
          .map(([k]) => k);
        return {
          workflow: input.title,
          task: t.title,
          taskIndex,
          secrets: missingSecrets(t, [...kept, ...given], deps.taskTypes),
        };
      })
      .filter((m) => m.secrets.length > 0);
  }

  /** An active workflow must have every secret its tasks need: 422 naming each. */
  function refuseActiveWithout(status: string | undefined, missing: MissingSecrets[]): void {
    if (status !== 'active' || missing.length === 0) return;
    const fields = Object.fromEntries(
      missing.flatMap((m) =>
        m.secrets.map((name) => [
          `tasks.${m.taskIndex}.secrets.${name}`,
          'is required before the workflow can be active',
        ]),
      ),
    );
    throw new HookflowError(
      'validation_failed',
      `Enter the missing secrets first (${describeMissing(missing)}), or save the workflow as a draft`,
      fields,
    );
  }

  /** The portable form: no ids, no secrets (names of required secrets are listed). */
  function toExport(wf: Workflow) {
    return {
      module: wf.module,
      title: wf.title,
      description: wf.description,
      status: wf.status,
      trigger: wf.trigger,
      triggerName: wf.triggerName,
      conditions: wf.conditions,
      runMode: wf.runMode,
      execMode: wf.execMode,
      requiredEnv: wf.requiredEnv,
      schedule: wf.schedule ?? null,
      tasks: wf.tasks.map((t) => ({
        type: t.type,
        title: t.title,
        description: t.description,
        options: t.options,
        secretsRequired: store.secretNames(t),
      })),
    };
  }

  return {
    validate,
    toPublic,
    /** What building a task's request outside a run needs besides the database (the admin's Preview). */
    runtime: { host: deps.host, taskTypes: deps.taskTypes, templates: deps.templates, settings: deps.settings },

    async create(raw: unknown, ownerUserId: number | null): Promise<Workflow> {
      const input = await validate(raw);
      refuseActiveWithout(input.status, missingFor(input, undefined));
      return store.create(input, ownerUserId);
    },

    async update(id: number, raw: unknown): Promise<Workflow> {
      const existing = await store.require(id);
      const input = await validate(raw);
      refuseActiveWithout(input.status, missingFor(input, existing));
      return store.update(id, input);
    },

    async setStatus(id: number, status: WorkflowStatus): Promise<Workflow> {
      if (status === 'active') {
        const wf = await store.require(id);
        const missing = wf.tasks
          .map((t, taskIndex) => ({
            workflow: wf.title,
            task: t.title,
            taskIndex,
            secrets: missingSecrets(t, store.secretNames(t), deps.taskTypes),
          }))
          .filter((m) => m.secrets.length > 0);
        refuseActiveWithout(status, missing);
      }
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
    async importAll(
      doc: unknown,
      ownerUserId: number | null,
    ): Promise<{ created: number; updated: number; secretsMissing: MissingSecrets[]; importedInactive: string[] }> {
      const body = doc as { format?: unknown; workflows?: unknown };
      if (!body || typeof body !== 'object' || body.format !== EXPORT_FORMAT || !Array.isArray(body.workflows)) {
        throw new HookflowError(
          'validation_failed',
          `not a Hookflow export: expected { "format": "${EXPORT_FORMAT}", "workflows": [...] }`,
        );
      }
      const existing = await store.list();
      const fields: Record<string, string> = {};
      const plan: Array<{ target?: Workflow; input: ValidatedWorkflow }> = [];
      for (const [i, raw] of (body.workflows as Array<Record<string, any>>).entries()) {
        const target = existing.find((w) => w.module === raw?.module && w.title === raw?.title);
        const tasks = Array.isArray(raw?.tasks)
          ? raw.tasks.map((t: Record<string, any>, pos: number) => {
              const { secretsRequired: _omit, ...rest } = t ?? {};
              const same = target?.tasks[pos];
              return same && same.type === rest.type ? { ...rest, id: same.id } : rest;
            })
          : raw?.tasks;
        try {
          plan.push({ target, input: await validate({ ...raw, tasks }) });
        } catch (err) {
          if (!(err instanceof HookflowError) || !err.fields) throw err;
          for (const [k, v] of Object.entries(err.fields)) fields[`workflows.${i}.${k}`] = v;
        }
      }
      if (Object.keys(fields).length > 0)
        throw new HookflowError('validation_failed', 'The import is not valid; nothing was imported', fields);
      // Exports carry no secrets: a workflow whose tasks need some that are not stored yet lands
      // inactive (never live with `Basic alice:`), and the answer lists what to re-enter.
      const secretsMissing: MissingSecrets[] = [];
      const importedInactive: string[] = [];
      for (const item of plan) {
        const missing = missingFor(item.input, item.target);
        secretsMissing.push(...missing);
        if (missing.length > 0 && item.input.status === 'active') {
          item.input = { ...item.input, status: 'inactive' };
          importedInactive.push(item.input.title);
        }
      }
      let created = 0;
      let updated = 0;
      await store.transaction(async (tx) => {
        for (const { target, input } of plan) {
          if (target) {
            await tx.update(target.id, input);
            updated++;
          } else {
            await tx.create(input, ownerUserId);
            created++;
          }
        }
      });
      return { created, updated, secretsMissing, importedInactive };
    },
  };
}
