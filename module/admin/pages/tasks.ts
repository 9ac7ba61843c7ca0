/**
 * Tasks of a workflow: add and edit (one form per type); reorder, remove and "Send test" are in
 * task-actions.ts. Every change saves the whole workflow through WorkflowService.update — other tasks
 * keep their ids and stored secrets — so validation is the service's, not the page's.
 * "Update form" (`refresh`) re-renders a posted form without saving: without JavaScript that is how
 * a changed content type or authorization shows its own fields.
 */
import { missingSecrets } from '../../workflows/missing-secrets.js';
import type { Request, Response, Router } from 'express';
import { isHookflowError, withSubject } from '../../errors.js';
import { parseId } from '../../http-errors.js';
import type { StoredTask, Workflow } from '../../workflows/model.js';
import type { AnyTaskDefinition } from '../../workflows/task-types.js';
import type { PagesContext } from './context.js';
import {
  checked,
  droppedParam,
  errorLines,
  errorSubjects,
  errorsOutside,
  errorsUnder,
  text,
} from '../../forms/form-values.js';
import { COMMON_LABELS, commonFromBody, type TaskForm } from '../../forms/task-form.js';
import { storedTasksInput } from './workflow-form.js';
import { heldCountsByTask } from '../../outbound/queue/hold.js';
import { registerTaskActions } from './task-actions.js';
import { registerTaskPreview } from './task-preview-page.js';
import { listRuns } from '../../workflows/runs.js';
import { findTask, taskTypeOf, type TaskPage } from './task-page.js';
import { distinctSystems } from '../../external-system.js';

/** The external systems the HTTP handler permissions name (a webhook form's suggestions). */
async function systemsOfPermissions(deps: PagesContext['deps']): Promise<string[]> {
  const list = deps.permissions ? await deps.permissions.list() : [];
  return distinctSystems(list.map((p) => p.externalSystem));
}

/** Error keys shown beside an input of `form` (the rest are listed at the top): its labels' fields. */
function shownBeside(form: TaskForm): string[] {
  return ['(root)', 'title', 'description', ...new Set(Object.keys(form.labels).map((k) => k.split('.')[0]))];
}

export function registerTasks(router: Router, ctx: PagesContext): void {
  const { deps, render } = ctx;
  const typeOf = (type: string) => taskTypeOf(deps.taskTypes, type);

  async function show(req: Request, res: Response, p: TaskPage, status = 200) {
    const [modules, users] = await Promise.all([deps.host.records.listModules(), deps.host.users.list()]);
    const errors = p.errors ?? {};
    const secretsSet = p.task ? deps.store.secretNames(p.task) : [];
    const disabled = p.task?.disabledAt
      ? { ...p.task, held: (await heldCountsByTask(deps.db)).get(p.task.id) ?? 0 }
      : null;
    const def = typeOf(p.type);
    const form = def.form;
    const knownSystems = def.queuesDeliveries ? await systemsOfPermissions(deps) : [];
    const view = form.view(p.values, { workflow: p.wf, modules, users, secretsSet, errors, knownSystems });
    const label = def.label;
    const labels = { ...COMMON_LABELS, ...form.labels };
    render(
      req,
      res,
      'task-edit',
      {
        title: `${p.task ? 'Edit' : 'Add'} ${label.toLowerCase()} · ${p.wf.title}`,
        section: 'workflows',
        wf: p.wf,
        task: p.task,
        type: p.type,
        typeLabel: label,
        partial: `task-${p.type}`,
        common: p.common,
        values: p.values,
        view,
        errors,
        subjects: errorSubjects(errors, labels),
        refreshable: form.refreshable === true,
        otherErrors: errorLines(errorsOutside(errors, shownBeside(form)), labels),
        formError: Object.keys(errors).length > 0,
        test: p.test,
        disabled,
        testable: def.queuesDeliveries === true,
        preview: p.preview,
        // Recent events of this workflow to preview against (its runs log).
        recentRuns: def.queuesDeliveries
          ? (await listRuns(deps.db, { workflowId: p.wf.id, limit: 10 })).runs.map((r) => ({
              id: r.id,
              label: `run ${r.id} · ${r.event.type}${r.recordId ? ` · record ${r.recordId}` : ''}`,
              selected: String(r.id) === p.preview?.runId,
            }))
          : [],
        previewAction: `${ctx.base(res)}/workflows/${p.wf.id}/tasks/${p.task ? p.task.id : 'new'}/preview`,
        secretsMissing: p.task ? missingSecrets(p.task, secretsSet, deps.taskTypes) : [],
        action: p.task
          ? `${ctx.base(res)}/workflows/${p.wf.id}/tasks/${p.task.id}`
          : `${ctx.base(res)}/workflows/${p.wf.id}/tasks`,
      },
      status,
    );
  }

  /** Saves `tasks` as the workflow's task list; renders the secret once when one was generated. */
  async function saveTasks(
    req: Request,
    res: Response,
    wf: Workflow,
    tasks: unknown[],
    page: Omit<TaskPage, 'errors'> & { index: number; newSecret?: string; dropped?: string[] },
  ) {
    try {
      await deps.workflows.update(wf.id, { ...toInput(wf), tasks });
    } catch (err) {
      if (!isHookflowError(err) || err.status !== 422) throw err;
      const errors = errorsUnder(err.fields, `tasks.${page.index}.`);
      if (Object.keys(errors).length === 0)
        errors['(root)'] =
          Object.entries(err.fields ?? {})
            .map(([k, m]) => withSubject(k, m))
            .join('; ') || err.message;
      await show(req, res, { ...page, errors }, 422);
      return;
    }
    if (page.newSecret) {
      const saved = await deps.store.require(wf.id);
      const taskId = page.task?.id ?? saved.tasks[page.index]?.id;
      render(req, res, 'secret-once', {
        title: 'Signing secret',
        section: 'workflows',
        wf,
        secret: page.newSecret,
        taskHref: `${ctx.base(res)}/workflows/${wf.id}/tasks/${taskId}`,
      });
      return;
    }
    res.redirect(303, `${ctx.base(res)}/workflows/${wf.id}?notice=task-saved${droppedParam(page.dropped ?? [])}`);
  }

  /** The workflow's own fields as update input (tasks are added by the caller). */
  function toInput(wf: Workflow) {
    return {
      module: wf.module,
      title: wf.title,
      description: wf.description,
      status: wf.status,
      trigger: wf.trigger,
      triggerName: wf.triggerName,
      conditions: wf.conditions,
      schedule: wf.schedule ?? null,
      runMode: wf.runMode,
      execMode: wf.execMode,
      requiredEnv: wf.requiredEnv,
    };
  }

  /** Reads a posted task form; generates the form's secret when it asks for one (the signing secret). */
  function readPost(req: Request, def: AnyTaskDefinition, task: StoredTask | null) {
    const form = def.form;
    const parsed = form.fromBody(req.body);
    const common = commonFromBody(req.body);
    const values = parsed.values as Record<string, unknown>;
    // "Update form" only re-renders: no secret is generated and nothing is saved.
    const refresh = checked(req.body, 'refresh');
    const generated = form.generatedSecret;
    const newSecret =
      !refresh && generated?.wanted(values, task ? deps.store.secretNames(task) : [])
        ? generated.generate()
        : undefined;
    const secrets =
      newSecret && generated ? { ...(parsed.secrets ?? {}), [generated.name]: newSecret } : parsed.secrets;
    const before = task ? form.fromOptions(task.options ?? {}) : null;
    const dropped = form.dropped?.(values, before) ?? [];
    // A re-rendered form never comes back with "rotate" ticked (saving it again would rotate twice).
    return {
      parsed,
      common,
      refresh,
      dropped,
      values: { ...values, rotateSecret: false },
      newSecret,
      input: { type: def.id, ...common, options: parsed.options, secrets },
    };
  }

  router.get('/workflows/:id/tasks/new', async (req, res) => {
    const wf = await deps.store.require(parseId(req.params.id));
    // No type asked for: the first of the "add a task" menu.
    const type = typeof req.query.type === 'string' ? req.query.type : [...deps.taskTypes.keys()][0];
    await show(req, res, {
      wf,
      type,
      task: null,
      common: { title: '', description: null },
      values: typeOf(type).form.blank({ workflow: wf }),
    });
  });

  router.post('/workflows/:id/tasks', async (req, res) => {
    const wf = await deps.store.require(parseId(req.params.id));
    const type = text(req.body, 'type');
    const post = readPost(req, typeOf(type), null);
    const page = {
      wf,
      type,
      task: null,
      common: post.common,
      values: post.values,
      index: wf.tasks.length,
      newSecret: post.newSecret,
      dropped: post.dropped,
    };
    if (post.refresh) return show(req, res, page);
    if (post.parsed.errors && Object.keys(post.parsed.errors).length > 0)
      return show(req, res, { ...page, errors: post.parsed.errors }, 422);
    await saveTasks(req, res, wf, [...storedTasksInput(wf), post.input], page);
  });

  router.get('/workflows/:id/tasks/:taskId', async (req, res) => {
    const wf = await deps.store.require(parseId(req.params.id));
    const { task } = findTask(wf, parseId(req.params.taskId, 'taskId'));
    await show(req, res, {
      wf,
      type: task.type,
      task,
      common: { title: task.title, description: task.description },
      values: typeOf(task.type).form.fromOptions(task.options ?? {}),
    });
  });

  router.post('/workflows/:id/tasks/:taskId', async (req, res) => {
    const wf = await deps.store.require(parseId(req.params.id));
    const { task, index } = findTask(wf, parseId(req.params.taskId, 'taskId'));
    const post = readPost(req, typeOf(task.type), task);
    const page = {
      wf,
      type: task.type,
      task,
      common: post.common,
      values: post.values,
      index,
      newSecret: post.newSecret,
      dropped: post.dropped,
    };
    if (post.refresh) return show(req, res, page);
    if (post.parsed.errors && Object.keys(post.parsed.errors).length > 0)
      return show(req, res, { ...page, errors: post.parsed.errors }, 422);
    const tasks = storedTasksInput(wf).map((t, i) => (i === index ? { ...post.input, id: task.id } : t));
    await saveTasks(req, res, wf, tasks, page);
  });

  registerTaskPreview(router, ctx, { show });
  registerTaskActions(router, ctx, { show, toInput });
}
