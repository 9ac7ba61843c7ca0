/**
 * Workflows: the list, the module chooser, create and edit (through WorkflowService, which
 * validates everything), activate/deactivate and delete. Tasks are edited in tasks.ts.
 * "Update form" (`refresh`) re-renders a posted form without saving, so a changed trigger shows
 * its own settings without JavaScript.
 */
import type { Request, Response, Router } from 'express';
import { HookflowError, isHookflowError } from '../../errors.js';
import { parseId } from '../../http-errors.js';
import type { Workflow } from '../../workflows/model.js';
import { lastRunPerWorkflow } from '../../workflows/runs.js';
import type { ModuleInfo } from '../../host.js';
import { conditionSetProblems } from '../../workflows/related-checks.js';
import { missingSecrets } from '../../workflows/missing-secrets.js';
import { actorId, type PagesContext } from './context.js';
import { checked, droppedNotice, droppedParam, errorLines, text } from '../../forms/form-values.js';
import {
  TRIGGERS,
  blankWorkflowValues,
  keepApplicable,
  storedTasksInput,
  toWorkflowInput,
  valuesFromForm,
  valuesFromWorkflow,
  workflowFormView,
  type WorkflowFormValues,
} from './workflow-form.js';
import { COMMON_LABELS } from '../../forms/task-form.js';
import type { AnyTaskDefinition } from '../../workflows/task-types.js';
import { heldCountsByTask } from '../../outbound/queue/hold.js';
import { nextRunAtOf } from '../../workflows/schedule-lane.js';

const triggerLabel = (t: string) => TRIGGERS.find((x) => x.value === t)?.label ?? t;

/** What is wrong with a stored workflow's conditions against its module's fields today. */
function storedConditionProblems(wf: Workflow, modules: ModuleInfo[]): Record<string, string> {
  const mod = modules.find((m) => m.name === wf.module);
  return mod ? conditionSetProblems(modules, mod, wf.conditions) : {};
}

/** "Invoice: URL must use http or https" for each task error, named with the task form's labels. */
function taskErrorLines(
  wf: Workflow,
  errors: Record<string, string>,
  taskTypes: ReadonlyMap<string, AnyTaskDefinition>,
): string[] {
  return Object.entries(errors)
    .filter(([k]) => k.startsWith('tasks.'))
    .map(([k, m]) => {
      const i = Number(k.split('.')[1]);
      const key = k
        .split('.')
        .slice(2)
        .join('.')
        .replace(/^options\./, '');
      const [line] = errorLines(
        { [key]: m },
        { ...COMMON_LABELS, ...taskTypes.get(wf.tasks[i]?.type ?? '')?.form.labels },
      );
      return `${wf.tasks[i]?.title ?? `Task ${i + 1}`}: ${line}`;
    });
}

/** After a save: the draft notice when the workflow does not run yet. */
const savedNotice = (wf: Workflow, key: 'created' | 'saved') => (wf.status === 'draft' ? `${key}-draft` : key);

export function registerWorkflows(router: Router, ctx: PagesContext): void {
  const { deps, render } = ctx;

  async function moduleInfo(name: string) {
    return (await deps.host.records.listModules()).find((m) => m.name === name);
  }

  /** A task in the workflow's list: its type's label and one-line summary; a type the registry lacks shows its id. */
  function taskRow(t: Workflow['tasks'][number], i: number, count: number) {
    const def = deps.taskTypes.get(t.type);
    return {
      ...t,
      summary: def?.summary((t.options ?? {}) as Record<string, unknown>) ?? '',
      label: def?.label ?? t.type,
      first: i === 0,
      last: i === count - 1,
      hasWebhookLog: def?.queuesDeliveries === true,
      secretsMissing: missingSecrets(t, deps.store.secretNames(t), deps.taskTypes),
    };
  }

  async function showEdit(
    req: Request,
    res: Response,
    wf: Workflow,
    values: WorkflowFormValues,
    given?: Record<string, string>,
    status = 200,
  ) {
    const modules = await deps.host.records.listModules();
    const mod = modules.find((m) => m.name === wf.module);
    // Shown as stored: conditions saved before they were type-checked (or whose field's options
    // changed since) are flagged in place, so "never fires" has a visible reason.
    const stored = given ? {} : storedConditionProblems(wf, modules);
    const errors = given ?? stored;
    const held = wf.tasks.some((t) => t.disabledAt) ? await heldCountsByTask(deps.db) : new Map<number, number>();
    render(
      req,
      res,
      'workflow-edit',
      {
        title: wf.title,
        section: 'workflows',
        wf,
        nextRunAt: await nextRunAtOf(deps.db, wf, deps.host.now().getTime()),
        form: workflowFormView(values, mod, errors, modules),
        taskErrors: taskErrorLines(wf, errors, deps.taskTypes),
        dropped: droppedNotice(req.query.dropped),
        formError: given !== undefined && Object.keys(given).length > 0,
        conditionWarnings: Object.keys(stored).length,
        moduleMissing: !mod,
        disabledTasks: wf.tasks.filter((t) => t.disabledAt).map((t) => ({ ...t, held: held.get(t.id) ?? 0 })),
        tasks: wf.tasks.map((t, i) => taskRow(t, i, wf.tasks.length)),
        // The registry's order is the menu's.
        taskTypes: [...deps.taskTypes.values()].map((def) => ({ id: def.id, label: def.label })),
      },
      status,
    );
  }

  router.get('/workflows', async (req, res) => {
    const [all, runs, modules] = await Promise.all([
      deps.store.list(),
      lastRunPerWorkflow(deps.db),
      deps.host.records.listModules(),
    ]);
    render(req, res, 'workflows', {
      title: 'Workflows',
      section: 'workflows',
      workflows: all.map((wf) => ({
        ...wf,
        // Flagged, not hidden: its runs are skipped (executor) until the host lists the module again.
        moduleMissing: !modules.some((m) => m.name === wf.module),
        triggerLabel: triggerLabel(wf.trigger),
        taskCount: wf.tasks.length,
        lastRun: runs.get(wf.id) ?? null,
      })),
    });
  });

  router.get('/workflows/new', async (req, res) => {
    const modules = await deps.host.records.listModules();
    const chosen = typeof req.query.module === 'string' ? modules.find((m) => m.name === req.query.module) : undefined;
    if (!chosen) {
      render(req, res, 'workflow-module', { title: 'New workflow', section: 'workflows', modules });
      return;
    }
    render(req, res, 'workflow-new', {
      title: 'New workflow',
      section: 'workflows',
      form: workflowFormView(blankWorkflowValues(chosen.name), chosen, {}, modules),
    });
  });

  /**
   * The posted input is validated as typed (so a bad value in a part that does not apply is shown
   * on its field, never dropped unseen); what does not apply to the trigger is then left out.
   */
  async function applicableInput(values: WorkflowFormValues, tasks: unknown[], stored?: Workflow) {
    const kept = keepApplicable(values, stored);
    // As the http workflow the typed values belong to: the trigger itself is checked by the real save.
    if (kept.dropped.length > 0) await deps.workflows.validate({ ...toWorkflowInput(values, tasks), trigger: 'http' });
    return { input: toWorkflowInput(kept.values, tasks), dropped: kept.dropped };
  }

  router.post('/workflows', async (req, res) => {
    const values = valuesFromForm(req.body, text(req.body, 'module'));
    const newPage = async (status: number, errors?: Record<string, string>) =>
      render(
        req,
        res,
        'workflow-new',
        {
          title: 'New workflow',
          section: 'workflows',
          form: workflowFormView(
            values,
            await moduleInfo(values.module),
            errors,
            await deps.host.records.listModules(),
          ),
          formError: errors !== undefined,
        },
        status,
      );
    if (checked(req.body, 'refresh')) return newPage(200);
    try {
      const { input, dropped } = await applicableInput(values, []);
      const wf = await deps.workflows.create(input, actorId(res));
      res.redirect(
        303,
        `${ctx.base(res)}/workflows/${wf.id}?notice=${savedNotice(wf, 'created')}${droppedParam(dropped)}`,
      );
    } catch (err) {
      if (!isHookflowError(err) || err.status !== 422) throw err;
      await newPage(422, err.fields ?? { '(root)': err.message });
    }
  });

  router.get('/workflows/:id', async (req, res) => {
    const wf = await deps.store.require(parseId(req.params.id));
    await showEdit(req, res, wf, valuesFromWorkflow(wf));
  });

  router.post('/workflows/:id', async (req, res) => {
    const wf = await deps.store.require(parseId(req.params.id));
    // The module is fixed once a workflow exists: its conditions and tasks refer to its fields.
    const values = valuesFromForm(req.body, wf.module);
    if (checked(req.body, 'refresh')) return showEdit(req, res, wf, values);
    try {
      const { input, dropped } = await applicableInput(values, storedTasksInput(wf), wf);
      const saved = await deps.workflows.update(wf.id, input);
      res.redirect(
        303,
        `${ctx.base(res)}/workflows/${wf.id}?notice=${savedNotice(saved, 'saved')}${droppedParam(dropped)}`,
      );
    } catch (err) {
      if (!isHookflowError(err) || err.status !== 422) throw err;
      await showEdit(req, res, wf, values, err.fields ?? { '(root)': err.message }, 422);
    }
  });

  router.post('/workflows/:id/status', async (req, res) => {
    const id = parseId(req.params.id);
    const status = text(req.body, 'status');
    if (status !== 'active' && status !== 'inactive')
      throw new HookflowError('bad_request', 'status must be active or inactive');
    await deps.workflows.setStatus(id, status);
    res.redirect(303, `${ctx.base(res)}/workflows/${id}?notice=${status === 'active' ? 'activated' : 'deactivated'}`);
  });

  router.post('/workflows/:id/delete', async (req, res) => {
    await deps.store.remove(parseId(req.params.id));
    res.redirect(303, `${ctx.base(res)}/workflows?notice=deleted`);
  });
}
