/**
 * "Send test" for a saved webhook task: builds the request exactly as a run would (the task
 * type's own run(), capturing the delivery instead of queueing it), then makes ONE attempt
 * through the same guarded agent and dispatcher the worker uses, and reports the response.
 * A test is not queued, retried, logged or alerted. The page shows the request as sent with
 * every secret masked: credentials and signature headers as in the log, and a Bitrix24 body
 * with `auth[application_token]=********` where the real token went out.
 */
import type { HostUser } from '../../host.js';
import type { StoredTask, Workflow } from '../../workflows/model.js';
import type { Delivery } from '../../outbound/queue/read.js';
import { sendAttempt, type Credentials } from '../../outbound/dispatch.js';
import { createGuardedAgent, parseAllowlist } from '../../outbound/url-guard.js';
import { redactAttempt, secretSpellings } from '../../outbound/delivery-processor.js';
import { valuesFromAnswer } from '../../outbound/response-paths.js';
import { requestToSend, WebhookOptions } from '../../outbound/webhook-request.js';
import { captureTaskRequest, type TaskRequestDeps } from '../task-request.js';
import { testSource } from '../preview-source.js';
import { showRequest, type ShownRequest } from '../request-view.js';

/** What a test send needs: the executor's collaborators minus its logger and queue. */
export type SendTestDeps = TaskRequestDeps;

export interface SendTestResult {
  recordLabel: string;
  error: string | null;
  request: { method: string; url: string; headers: Record<string, string>; body: string | null } | null;
  response: {
    outcome: string;
    statusCode: number | null;
    headers: Record<string, string> | null;
    body: string | null;
    error: string | null;
    durationMs: number;
    truncated?: boolean;
  } | null;
  /** What "save from the response" would write from this answer (a test writes nothing); null when the webhook saves nothing. */
  answer?: string | null;
}

/** Builds the task's request for `recordId` (null = a sample record) and sends it once. */
export async function sendTestWebhook(
  deps: SendTestDeps,
  wf: Workflow,
  task: StoredTask,
  recordId: number | null,
  actor: HostUser | null,
): Promise<SendTestResult> {
  const def = deps.taskTypes.get(task.type);
  if (!def?.queuesDeliveries)
    return { recordLabel: '', error: 'Only webhook tasks can be sent as a test', request: null, response: null };
  let label = '';
  try {
    const src = await testSource(deps, wf, recordId, actor);
    label = src.label;
    const secrets = deps.store.openSecrets(task);
    // A test sends once itself and writes nothing back (it previews instead): the type's forPreview options.
    const stored = await captureTaskRequest(deps, { wf, task, run: src.run, tpl: src.tpl, secrets });
    const options = WebhookOptions.safeParse(task.options);
    const sent = requestToSend(stored, options.success ? options.data : null, secrets);
    const result = await sendOnce(deps, {
      ...sent,
      spellings: secretSpellings(sent.credentials, secrets),
      // What the page shows: masked headers, the placeholder where the token went.
      shown: (ts) => showRequest(stored, sent, ts, Boolean(secrets.applicationToken)),
    });
    return {
      recordLabel: label,
      error: null,
      ...result,
      answer: options.success
        ? previewAnswer(options.data, result.response, deps.settings().responseBodyLimitBytes)
        : null,
    };
  } catch (err) {
    return { recordLabel: label, error: (err as Error).message, request: null, response: null };
  }
}

/** "Would save invoice_id = …" from a test's answer, or why it would not (the answer is not JSON, a path is missing). */
function previewAnswer(o: WebhookOptions, response: SendTestResult['response'], limitBytes: number): string | null {
  if (o.saveResponse.length === 0 || response?.outcome !== 'success') return null;
  const taken = valuesFromAnswer(
    { body: response.body, truncated: response.truncated ?? false, contentType: response.headers?.['content-type'] },
    o.saveResponse,
    limitBytes,
  );
  if ('error' in taken) return `A real delivery would not save its answer: ${taken.error}.`;
  return `A real delivery would save ${Object.entries(taken.values)
    .map(([f, v]) => `${f} = ${JSON.stringify(v)}`)
    .join(', ')} (a test writes nothing).`;
}

/**
 * One attempt of `sent` (body and credentials as they go out). The page gets `shown` at the
 * attempt's timestamp and the answer with every spelling of the secrets removed (a receiver may
 * echo the request).
 */
async function sendOnce(
  deps: SendTestDeps,
  sent: {
    delivery: Delivery;
    credentials: Credentials;
    spellings: string[];
    shown: (timestampSeconds: number) => ShownRequest;
  },
): Promise<Pick<SendTestResult, 'request' | 'response'>> {
  const { delivery: d, credentials: creds } = sent;
  const s = deps.settings();
  const allow = parseAllowlist(s.outboundAllowlist);
  const agent = createGuardedAgent({ allowlist: 'ok' in allow ? allow.ok : [], timeoutMs: s.requestTimeoutMs });
  const nowMs = deps.host.now().getTime();
  try {
    const a = redactAttempt(
      await sendAttempt({
        delivery: d,
        credentials: creds,
        agent,
        timeoutMs: s.requestTimeoutMs,
        nowMs,
        bodyLimitBytes: s.responseBodyLimitBytes,
      }),
      sent.spellings,
    );
    return {
      request: sent.shown(Math.floor(nowMs / 1000)),
      response: {
        outcome: a.outcome,
        statusCode: a.statusCode,
        headers: a.responseHeaders,
        body: a.responseBody,
        error: a.error,
        durationMs: a.durationMs,
        truncated: a.responseTruncated,
      },
    };
  } finally {
    await agent.close();
  }
}
