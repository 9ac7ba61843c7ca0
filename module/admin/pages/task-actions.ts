/**
 * Task actions on the workflow page and the task page: reorder, remove, and "Send test" of a
 * saved task that queues webhook deliveries. Like every task change, reorder and remove save the
 * whole task list through WorkflowService.update, keeping ids and stored secrets.
 */
import type { Request, Response, Router } from 'express';
import { parseId } from '../../http-errors.js';
import type { Workflow } from '../../workflows/model.js';
import type { PagesContext } from './context.js';
import { text } from '../../forms/form-values.js';
import { storedTasksInput } from './workflow-form.js';
import { sendTestWebhook } from './send-test.js';
import { findTask, taskTypeOf, type TaskPage } from './task-page.js';

export interface TaskPageHelpers {
  show(req: Request, res: Response, p: TaskPage, status?: number): Promise<void>;
  toInput(wf: Workflow): Record<string, unknown>;
}

export function registerTaskActions(router: Router, ctx: PagesContext, helpers: TaskPageHelpers): void {
  const { deps } = ctx;
  const { show, toInput } = helpers;

  router.post('/workflows/:id/tasks/:taskId/move', async (req, res) => {
    const wf = await deps.store.require(parseId(req.params.id));
    const { index } = findTask(wf, parseId(req.params.taskId, 'taskId'));
    const to = text(req.body, 'direction') === 'up' ? index - 1 : index + 1;
    const tasks = storedTasksInput(wf);
    if (to >= 0 && to < tasks.length) {
      [tasks[index], tasks[to]] = [tasks[to], tasks[index]];
      await deps.workflows.update(wf.id, { ...toInput(wf), tasks });
    }
    res.redirect(303, `${ctx.base(res)}/workflows/${wf.id}?notice=task-moved#tasks`);
  });

  router.post('/workflows/:id/tasks/:taskId/delete', async (req, res) => {
    const wf = await deps.store.require(parseId(req.params.id));
    const { index } = findTask(wf, parseId(req.params.taskId, 'taskId'));
    await deps.workflows.update(wf.id, { ...toInput(wf), tasks: storedTasksInput(wf).filter((_, i) => i !== index) });
    res.redirect(303, `${ctx.base(res)}/workflows/${wf.id}?notice=task-removed#tasks`);
  });

  router.post('/workflows/:id/tasks/:taskId/test', async (req, res) => {
    const wf = await deps.store.require(parseId(req.params.id));
    const { task } = findTask(wf, parseId(req.params.taskId, 'taskId'));
    const raw = text(req.body, 'recordId').trim();
    const recordId = /^[1-9]\d{0,14}$/.test(raw) ? Number(raw) : null;
    const result = await sendTestWebhook(
      { ...deps, settings: () => deps.settingsStore.get() },
      wf,
      task,
      recordId,
      res.locals.user ?? null,
    );
    await show(req, res, {
      wf,
      type: task.type,
      task,
      common: { title: task.title, description: task.description },
      values: taskTypeOf(deps.taskTypes, task.type).form.fromOptions(task.options ?? {}),
      test: { ...result, recordId: raw },
    });
  });
}
