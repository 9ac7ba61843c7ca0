/**
 * "Preview" on the task page without JavaScript: the form's Preview button posts the form as it
 * is (nothing saved) and the page comes back with the values kept and the request the worker
 * would send (task-preview.ts); a bad template comes back as a 422 with the error at its row.
 * With JavaScript the page's script asks `POST <admin>/api/tasks/preview` on every edit instead.
 */
import type { Request, Response, Router } from 'express';
import { isHookflowError, withSubject } from '../../errors.js';
import { parseId } from '../../http-errors.js';
import type { StoredTask, Workflow } from '../../workflows/model.js';
import { text } from '../../forms/form-values.js';
import { commonFromBody } from '../../forms/task-form.js';
import { previewTaskRequest } from '../task-preview.js';
import type { PagesContext } from './context.js';
import type { TaskPageHelpers } from './task-actions.js';
import { findTask, taskTypeOf, type TaskPreviewView } from './task-page.js';

const idOf = (raw: string) => (/^[1-9]\d{0,14}$/.test(raw.trim()) ? Number(raw.trim()) : undefined);

type Show = TaskPageHelpers['show'];

/** Every problem in one line for the Preview panel (the form shows each at its field too). */
function describeFields(fields: Record<string, string>): string {
  return Object.entries(fields)
    .map(([k, m]) => (k === '(root)' ? m : withSubject(k, m)))
    .join('; ');
}

/** Renders the task page for the posted form with its preview, or with the errors at their rows (422). */
async function showPreview(
  ctx: PagesContext,
  show: Show,
  http: { req: Request; res: Response },
  wf: Workflow,
  task: StoredTask | null,
) {
  const { deps } = ctx;
  const { req, res } = http;
  const type = task?.type ?? text(req.body, 'type');
  const parsed = taskTypeOf(deps.taskTypes, type).form.fromBody(req.body);
  const pick = { recordId: text(req.body, 'previewRecordId'), runId: text(req.body, 'previewRunId') };
  const page = { wf, type, task, common: commonFromBody(req.body), values: { ...parsed.values, rotateSecret: false } };
  const fail = (errors: Record<string, string>) =>
    show(req, res, { ...page, errors, preview: { ...pick, error: describeFields(errors) } }, 422);
  if (parsed.errors && Object.keys(parsed.errors).length > 0) return fail(parsed.errors);
  try {
    const result = await previewTaskRequest(
      { ...deps, settings: () => deps.settingsStore.get() },
      {
        wf,
        task,
        type,
        options: parsed.options,
        typedSecrets: parsed.secrets,
        source: { recordId: idOf(pick.recordId), runId: idOf(pick.runId) },
      },
      res.locals.user ?? null,
    );
    const view: TaskPreviewView = { ...pick, result };
    await show(req, res, { ...page, preview: view });
  } catch (err) {
    if (!isHookflowError(err) || err.status !== 422) throw err;
    await fail(err.fields ?? { '(root)': err.message });
  }
}

export function registerTaskPreview(router: Router, ctx: PagesContext, helpers: Pick<TaskPageHelpers, 'show'>): void {
  const { deps } = ctx;
  // Before `:taskId`: a task not saved yet has no id.
  router.post('/workflows/:id/tasks/new/preview', async (req, res) => {
    await showPreview(ctx, helpers.show, { req, res }, await deps.store.require(parseId(req.params.id)), null);
  });
  router.post('/workflows/:id/tasks/:taskId/preview', async (req, res) => {
    const wf = await deps.store.require(parseId(req.params.id));
    await showPreview(ctx, helpers.show, { req, res }, wf, findTask(wf, parseId(req.params.taskId, 'taskId')).task);
  });
}
