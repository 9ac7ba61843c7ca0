/**
 * `POST /tasks/preview` of the management API (admin-only, CSRF-guarded like every API write):
 * the request a webhook task would send, nothing sent or stored (task-preview.ts).
 *   { workflowId, taskId?, type?, options? | form?, secrets?, recordId? | runId?, webhookId?, timestamp? }
 * `options` are task options as stored; `form` is the task page's form fields as posted (what the
 * page's script sends while the admin edits); neither = the saved task's options. `recordId` or
 * `runId` picks what it renders against (neither = a sample record); `webhookId` and `timestamp`
 * (epoch seconds) fix what the request assumes. Answers `{ preview }`, or 422 naming each field.
 */
import express, { type Router } from 'express';
import { z } from 'zod';
import type { HostUser } from '../host.js';
import { HookflowError } from '../errors.js';
import { parseInput } from '../validation-messages.js';
import type { Workflow } from '../workflows/model.js';
import type { TaskRequestDeps } from './task-request.js';
import { previewTaskRequest, type PreviewRequest } from './task-preview.js';

export const PreviewBody = z
  .strictObject({
    workflowId: z.number().int().positive(),
    taskId: z.number().int().positive().optional(),
    type: z.string().min(1).max(64).optional(),
    options: z.record(z.string(), z.unknown()).optional(),
    form: z.record(z.string(), z.union([z.string().max(10_000), z.array(z.string().max(10_000)).max(500)])).optional(),
    secrets: z.record(z.string(), z.string().max(4000)).optional(),
    recordId: z.number().int().positive().optional(),
    runId: z.number().int().positive().optional(),
    webhookId: z
      .string()
      .regex(/^[A-Za-z0-9_.:+/=-]{1,200}$/, 'must be letters, digits and _.:+/=- only')
      .optional(),
    timestamp: z.number().int().nonnegative().max(100_000_000_000).optional(),
  })
  .refine((b) => !(b.options && b.form), { message: 'send options or form, not both', path: ['form'] })
  .refine((b) => !(b.recordId && b.runId), { message: 'pick a record or a run, not both', path: ['runId'] });
export type PreviewBody = z.infer<typeof PreviewBody>;

/** The preview request of `body` for `wf`: the task's type and options, from the form when posted. */
export function previewRequestOf(deps: TaskRequestDeps, wf: Workflow, body: PreviewBody): PreviewRequest {
  const task = body.taskId ? wf.tasks.find((t) => t.id === body.taskId) : undefined;
  if (body.taskId && !task)
    throw new HookflowError('not_found', `task ${body.taskId} is not part of workflow ${wf.id}`);
  const type = task?.type ?? body.type;
  const def = type ? deps.taskTypes.get(type) : undefined;
  if (!type || !def)
    throw new HookflowError('validation_failed', 'Name the task', { type: 'give taskId or a known task type' });
  const parsed = body.form ? def.form.fromBody(body.form) : null;
  if (parsed?.errors && Object.keys(parsed.errors).length > 0)
    throw new HookflowError('validation_failed', 'The form is not valid', parsed.errors);
  return {
    wf,
    task: task ?? null,
    type,
    options: parsed ? parsed.options : (body.options ?? task?.options ?? {}),
    typedSecrets: { ...(parsed?.secrets ?? {}), ...(body.secrets ?? {}) },
    source: { recordId: body.recordId, runId: body.runId },
    webhookId: body.webhookId,
    timestamp: body.timestamp,
  };
}

export function createPreviewApi(deps: TaskRequestDeps): Router {
  const api = express.Router();
  api.post('/tasks/preview', async (req, res) => {
    const body = parseInput(PreviewBody, req.body ?? {});
    const wf = await deps.store.require(body.workflowId);
    const actor = (res.locals.user as HostUser | undefined) ?? null;
    res.json({ preview: await previewTaskRequest(deps, previewRequestOf(deps, wf, body), actor) });
  });
  return api;
}
