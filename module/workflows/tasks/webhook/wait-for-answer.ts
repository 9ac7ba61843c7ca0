/**
 * A webhook in "wait for the answer" mode: the run sends its delivery right away and hands the
 * answer to later tasks (`{{steps.<task id>.response.invoice.id}}`). The delivery stays an
 * ordinary delivery — logged, retried on its schedule when this attempt fails, alerted when it
 * fails for good — but this task fails when there is no 2xx answer to use, so later tasks never
 * run on a missing answer. A run resumed after a crash finds the delivery already answered
 * (enqueue is idempotent per run and task) and uses that answer: nothing is sent twice.
 */
import type { ImmediateOutcome } from '../../../outbound/send-now.js';
import type { WebhookOptions } from '../../../outbound/webhook-request.js';
import type { TaskRunContext } from '../../task-types.js';

/**
 * How long after its answer timeout a waited delivery becomes due for the delivery lane: the
 * margin for the run to lease it (a run that died never does; the lane then sends it).
 */
export const WAITED_DELIVERY_GRACE_MS = 30_000;

/** What later tasks see as `steps.<id>.status` and `steps.<id>.response`. */
export interface AnswerOutput {
  status: number | null;
  /** The answer parsed as JSON, or its text when it is not JSON. */
  response: unknown;
}

function parsedAnswer(body: string | null): unknown {
  if (body === null || body === '') return null;
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

/** Why there is no answer to use, in plain words. */
export function noAnswerReason(got: ImmediateOutcome, timeoutMs: number): string {
  if (got.heldDestination)
    return `its destination ${got.heldDestination} keeps failing and is held: the delivery waits for it to answer again, so there is no answer to use now`;
  if (got.status === 'held') return 'the webhook is disabled: its delivery is held, so there is no answer to wait for';
  if (got.status === 'failed') return `the delivery failed: ${got.error ?? 'no answer'}`;
  if (got.status === 'queued' && got.statusCode === null && got.error === null) {
    return `the request could not be sent within ${timeoutMs} ms (its receiver already has as many requests in flight as allowed); it stays queued`;
  }
  const what =
    got.statusCode !== null ? `the receiver answered HTTP ${got.statusCode}` : (got.error ?? 'the request failed');
  return `${what}; the delivery will be retried on its schedule, but this run could not use the answer`;
}

export async function waitForAnswer(o: WebhookOptions, deliveryId: number, ctx: TaskRunContext): Promise<AnswerOutput> {
  const sendNow = ctx.services.deliveries?.sendNow;
  if (!sendNow) throw new Error('this process cannot send webhooks itself, so it cannot wait for the answer');
  const got = await sendNow(deliveryId, o.answerTimeoutMs);
  if (got.status !== 'success') throw new Error(noAnswerReason(got, o.answerTimeoutMs));
  // Values saved from the answer are on the record now: later tasks see the record as it is.
  if (o.saveResponse.length > 0 && ctx.run.recordId !== null) {
    const record = await ctx.services.host.records.get(ctx.run.module, ctx.run.recordId);
    if (record) ctx.tpl.record = { id: record.id, ...record.fields };
  }
  return { status: got.statusCode, response: parsedAnswer(got.body) };
}
