/**
 * webhook: the outbound request action (vtiger's "Webhook" action and more). Running it renders
 * the options' templates (the URL encoded by position), lets outbound build the request snapshot
 * and queues it; the worker sends, retries and logs it. Options, secrets, their checks and the
 * request itself belong to outbound (outbound/webhook-request.ts).
 */
import type { BodyEvent } from '../../../outbound/bodies.js';
import { renderWebhookUrl } from '../../../outbound/webhook-url.js';
import {
  WebhookOptions,
  WebhookSecrets,
  buildWebhookDelivery,
  requiredWebhookSecrets,
  validateWebhookOptions,
} from '../../../outbound/webhook-request.js';
import { eventTypeName, bitrixEventName, bitrixEntityTypeIdOf, type BodyEventType } from '../../triggers.js';
import { echoSkipReason } from '../../../external-system.js';
import {
  TaskSkipped,
  formViewBeside,
  type TaskDefinition,
  type TaskRunContext,
  type TaskValidationContext,
} from '../../task-types.js';
import type { FieldErrors } from '../../../errors.js';
import { webhookForm } from './form.js';
import { WAITED_DELIVERY_GRACE_MS, waitForAnswer } from './wait-for-answer.js';

export { WebhookOptions, WebhookSecrets };

/** The event a webhook body describes (Bitrix24 names and the envelope's type come from the run). */
function eventOf(ctx: TaskRunContext): BodyEvent {
  // record.created/updated/deleted, or record.backfilled (a run for an existing record).
  const eventType = ctx.run.eventType as BodyEventType;
  const recordEvent = eventType.startsWith('record.');
  return {
    type: recordEvent
      ? eventTypeName(ctx.run.moduleInfo ?? ctx.run.module, eventType)
      : `${ctx.run.module.toLowerCase()}.${ctx.run.eventType}`,
    bitrixEvent: recordEvent ? bitrixEventName(ctx.run.moduleInfo ?? undefined, eventType) : null,
    bitrixEntityTypeId: bitrixEntityTypeIdOf(ctx.run.moduleInfo ?? undefined),
    module: ctx.run.module,
    recordId: ctx.run.recordId,
    record: ctx.tpl.record,
    previous: ctx.tpl.previous,
    timeMs: Date.parse(String(ctx.tpl.event.time)),
  };
}

/** "Save from the response" writes to the workflow's own record: each row must name one of its fields. */
function checkSavedFields(o: WebhookOptions, ctx: TaskValidationContext): FieldErrors {
  const mod = ctx.modules.find((m) => m.name === ctx.workflowModule);
  const errors: FieldErrors = {};
  o.saveResponse.forEach((row, i) => {
    if (!mod?.fields.some((f) => f.name === row.field))
      errors[`saveResponse.${i}.field`] = `${ctx.workflowModule} has no field ${row.field}`;
  });
  return errors;
}

export const webhookTask: TaskDefinition<WebhookOptions, WebhookSecrets> = {
  id: 'webhook',
  label: 'Webhook',
  options: WebhookOptions,
  secrets: WebhookSecrets,
  requiredSecrets: requiredWebhookSecrets,
  validate: (o, ctx) => ({ ...validateWebhookOptions(o, ctx.settings.outboundAllowlist), ...checkSavedFields(o, ctx) }),
  form: webhookForm,
  // Queueing the delivery is a database write; its HTTP request runs later, under requestTimeoutMs.
  timeout: 'recordCallTimeoutMs',
  extraTimeoutMs: (o) => (o.waitForAnswer ? o.answerTimeoutMs : 0),
  formView: formViewBeside(import.meta.url),
  summary: (o) =>
    `${o.method ?? 'POST'} ${o.url ?? ''} · ${o.contentType ?? 'JSON'}${o.auth && o.auth !== 'none' ? ` · ${o.auth} auth` : ''}${o.sign ? ' · signed' : ''}${o.waitForAnswer ? ' · waits for the answer' : ''}${o.saveResponse?.length ? ` · saves ${o.saveResponse.map((r) => r.field).join(', ')} from the answer` : ''}${o.system ? ` · to ${o.system}${o.skipEchoes === false ? '' : ', not its own changes'}` : ''}`,
  queuesDeliveries: true,
  // Outside a run the request is only built (and a test sends it once): nothing waits or writes back.
  forPreview: (o) => ({ ...o, saveResponse: [], waitForAnswer: false }),
  async run(o, ctx) {
    // Echo suppression: the run's change came from the very system this webhook sends to.
    const echo = echoSkipReason(o, ctx.run.originSystem);
    if (echo) return new TaskSkipped(echo);
    if (!ctx.services.deliveries) throw new Error('outbound delivery is not available in this process');
    if (o.sign && !ctx.secrets.signingSecret) throw new Error('signing is on but no signing secret is set');
    const rendered = {
      url: renderWebhookUrl(o.url, o.urlFromData, ctx.services.renderString),
      headers: o.headers.map((h) => ({ name: h.name, value: ctx.services.renderString(h.value) })),
      params: o.params.map((p) => ({ name: p.name, value: ctx.services.render(p.value) })),
    };
    const origin = {
      runId: ctx.run.id,
      workflowId: ctx.run.workflowId,
      taskId: ctx.task.id,
      eventType: ctx.run.eventType,
      module: ctx.run.module,
      recordId: ctx.run.recordId,
      recordFields: ctx.tpl.record ?? undefined,
    };
    const delivery = buildWebhookDelivery(o, rendered, eventOf(ctx), origin, ctx.services.settings().outboundAllowlist);
    // A waited delivery is the run's to send: due for the lane only once the run's wait is over.
    const dueInMs = o.waitForAnswer ? o.answerTimeoutMs + WAITED_DELIVERY_GRACE_MS : 0;
    const stored = await ctx.services.deliveries.enqueue(dueInMs ? { ...delivery, dueInMs } : delivery);
    const queued = { deliveryId: stored.id, webhookId: stored.webhookId, method: o.method, url: delivery.url };
    return o.waitForAnswer ? { ...queued, ...(await waitForAnswer(o, stored.id, ctx)) } : queued;
  },
};
