/**
 * "Preview" of a webhook task (the task page, and `POST <admin>/api/tasks/preview`): the exact
 * request the worker would send for a record, a logged run or a sample record — method, URL,
 * headers with secrets masked, body bytes, signature headers — built by the same code the worker
 * uses (the task's run(), requestToSend, buildSendHeaders), for options as the admin is editing
 * them. Nothing is sent or stored. The webhook-id and timestamp it assumed are part of the answer;
 * given the worker's, the preview is byte for byte what the worker sent.
 * Bad input never fails with a 500: the options' checks, a template that does not render and a
 * request that cannot be built come back as a 422 naming the field (`params.1.value`) or `(root)`.
 */
import type { z } from 'zod';
import type { HostUser } from '../host.js';
import { fieldsFromZod } from '../validation-messages.js';
import { HookflowError, isHookflowError, type FieldErrors } from '../errors.js';
import type { StoredTask, Workflow } from '../workflows/model.js';
import { collectStrings, type AnyTaskDefinition } from '../workflows/task-types.js';
import type { TemplateContext } from '../workflows/templates.js';
import { checkTaskOptions } from '../workflows/validate.js';
import { requestToSend, WebhookOptions } from '../outbound/webhook-request.js';
import { captureTaskRequest, type TaskRequestDeps } from './task-request.js';
import { previewSource } from './preview-source.js';
import { showRequest, type ShownRequest } from './request-view.js';

export interface PreviewRequest {
  wf: Workflow;
  /** The saved task (its id, title and stored secrets), or null for one not saved yet. */
  task: StoredTask | null;
  type: string;
  /** The options as edited (unsaved), in the stored shape. */
  options: unknown;
  /** Secrets typed into the form: used over the stored ones, never stored. */
  typedSecrets?: Record<string, string>;
  source: { recordId?: number; runId?: number };
  /** Assume this webhook-id (e.g. the one a delivery was sent with). Default a new one. */
  webhookId?: string;
  /** Assume this signature timestamp, epoch seconds. Default now. */
  timestamp?: number;
}

export interface TaskPreview extends ShownRequest {
  contentType: string | null;
  webhookId: string;
  timestamp: number;
  /** What the request was built for: "Deals record 5", "run 12 (…)", "a sample Deal record". */
  source: string;
  event: { type: string; time: string };
}

const failed = (fields: FieldErrors) =>
  new HookflowError('validation_failed', 'The request cannot be previewed', fields);

/** Each option string that does not render against `tpl`, by its path (`headers.0.value`). */
function renderProblems(deps: TaskRequestDeps, options: unknown, tpl: TemplateContext): FieldErrors {
  const errors: FieldErrors = {};
  for (const { path, value } of collectStrings(options, '')) {
    try {
      deps.templates.render(value, tpl);
    } catch (err) {
      errors[path.slice(1) || '(root)'] = (err as Error).message;
    }
  }
  return errors;
}

/** The options as saving would check them; a 422 naming every bad field otherwise. */
async function checkedOptions(deps: TaskRequestDeps, def: AnyTaskDefinition, p: PreviewRequest): Promise<unknown> {
  const checked = checkTaskOptions(def, p.options, p.wf.module, {
    modules: await deps.host.records.listModules(),
    checkTemplate: (t) => deps.templates.check(t),
    settings: deps.settings(),
  });
  if (Object.keys(checked.errors).length > 0 || !('options' in checked)) throw failed(checked.errors);
  return checked.options;
}

/** Builds the preview of `p`; throws a 422 HookflowError naming the field for any bad input. */
export async function previewTaskRequest(
  deps: TaskRequestDeps,
  p: PreviewRequest,
  actor: HostUser | null,
): Promise<TaskPreview> {
  const def = deps.taskTypes.get(p.type);
  if (!def?.queuesDeliveries) throw failed({ type: 'only tasks that send webhooks have a preview' });
  const options = await checkedOptions(deps, def, p);
  const src = await previewSource(deps, p.wf, p.source, actor);
  const problems = renderProblems(deps, options, src.tpl);
  if (Object.keys(problems).length > 0) throw failed(problems);
  const typed = def.secrets && p.typedSecrets ? def.secrets.safeParse(p.typedSecrets) : null;
  if (typed && !typed.success) throw failed(fieldsFromZod(typed.error as z.ZodError, 'secrets'));
  const secrets = { ...(p.task ? deps.store.openSecrets(p.task) : {}), ...(p.typedSecrets ?? {}) };
  const task = { id: p.task?.id ?? 0, type: p.type, title: p.task?.title ?? '', options };
  let built;
  try {
    built = await captureTaskRequest(deps, { wf: p.wf, task, run: src.run, tpl: src.tpl, secrets });
  } catch (err) {
    if (isHookflowError(err)) throw err;
    throw failed({ '(root)': (err as Error).message });
  }
  const snapshot = { ...built, webhookId: p.webhookId ?? built.webhookId };
  const parsed = WebhookOptions.safeParse(options);
  const sent = requestToSend(snapshot, parsed.success ? parsed.data : null, secrets);
  const timestamp = p.timestamp ?? Math.floor(deps.host.now().getTime() / 1000);
  return {
    ...showRequest(snapshot, sent, timestamp, Boolean(secrets.applicationToken)),
    contentType: snapshot.contentType,
    webhookId: snapshot.webhookId,
    timestamp,
    source: src.label,
    event: { type: String(src.tpl.event.type), time: String(src.tpl.event.time) },
  };
}
