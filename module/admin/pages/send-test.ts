/**
 * "Send test" for a saved webhook task: builds the request exactly as a run would (the task
 * type's own run(), capturing the delivery instead of queueing it), then makes ONE attempt
 * through the same guarded agent and dispatcher the worker uses, and reports the response.
 * A test is not queued, retried, logged or alerted. The page shows the request as sent with
 * every secret masked: credentials and signature headers as in the log, and a Bitrix24 body
 * with `auth[application_token]=********` where the real token went out.
 */
import type { HostUser, ModuleInfo } from '../../host.js';
import type { StoredTask, Workflow } from '../../workflows/model.js';
import type { TaskRunContext } from '../../workflows/task-types.js';
import type { TemplateContext } from '../../workflows/templates.js';
import type { NewDelivery } from '../../outbound/queue/enqueue.js';
import type { Delivery } from '../../outbound/queue/read.js';
import { buildSendHeaders, sendAttempt, type Credentials } from '../../outbound/dispatch.js';
import { APPLICATION_TOKEN_PLACEHOLDER, fillApplicationToken } from '../../outbound/bodies.js';
import { createGuardedAgent, parseAllowlist } from '../../outbound/url-guard.js';
import { redactAttempt, secretSpellings } from '../../outbound/delivery-processor.js';
import { valuesFromAnswer } from '../../outbound/response-paths.js';
import { requestToSend, WebhookOptions } from '../../outbound/webhook-request.js';
import { maskHeaders } from '../../outbound/log-api.js';
import type { ExecutorDeps } from '../../workflows/executor.js';

/** What a test send needs: the executor's collaborators minus its logger and queue. */
export type SendTestDeps = Pick<ExecutorDeps, 'db' | 'host' | 'store' | 'taskTypes' | 'templates' | 'settings'>;

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

/** Plausible values for each field type, for a test without a real record. */
export function sampleRecord(mod: ModuleInfo | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = { id: 0 };
  for (const f of mod?.fields ?? []) {
    out[f.name] =
      f.type === 'number'
        ? 1000
        : f.type === 'boolean'
          ? true
          : f.type === 'email'
            ? 'sample@example.com'
            : f.type === 'date'
              ? '2026-01-15'
              : f.type === 'picklist'
                ? (f.options?.[0] ?? '')
                : `Sample ${f.label.toLowerCase()}`;
  }
  return out;
}

async function templateContext(
  deps: SendTestDeps,
  wf: Workflow,
  recordId: number | null,
  actor: HostUser | null,
): Promise<{ tpl: TemplateContext; label: string }> {
  const mod = (await deps.host.records.listModules()).find((m) => m.name === wf.module);
  const found = recordId ? await deps.host.records.get(wf.module, recordId) : null;
  if (recordId && !found) throw new Error(`${wf.module} record ${recordId} does not exist`);
  const owner = found ? await deps.host.users.get(found.ownerUserId) : actor;
  const env = Object.fromEntries(
    wf.requiredEnv.map((e) => [
      e.name,
      e.type === 'number' ? 1 : e.type === 'email' ? 'sample@example.com' : `sample ${e.name}`,
    ]),
  );
  return {
    label: found ? `${wf.module} record ${found.id}` : `a sample ${mod?.label ?? wf.module} record`,
    tpl: {
      env,
      record: found ? { id: found.id, ...found.fields } : sampleRecord(mod),
      previous: null,
      event: {
        type: 'test',
        module: wf.module,
        recordId: found?.id ?? null,
        time: deps.host.now().toISOString(),
        runId: 0,
        source: 'test',
      },
      user: owner ? { id: owner.id, name: owner.name, email: owner.email } : null,
    },
  };
}

function asDelivery(d: NewDelivery): Delivery {
  return {
    id: 0,
    webhookId: d.webhookId,
    runId: null,
    workflowId: d.workflowId,
    taskId: d.taskId,
    eventType: d.eventType,
    module: d.module,
    recordId: d.recordId,
    method: d.method,
    url: d.url,
    destinationHost: new URL(d.url).host,
    headers: d.headers,
    contentType: d.contentType,
    body: d.body,
    status: 'dispatched',
    attemptCount: 0,
    nextAttemptAt: 0,
    lastStatusCode: null,
    lastError: null,
    resendOfId: null,
    resentAt: null,
    resentBy: null,
    cycleAttemptBase: 0,
    writeBack: null,
    createdAt: 0,
    finishedAt: null,
  };
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
  let captured: NewDelivery | null = null;
  let label = '';
  try {
    const { tpl, label: l } = await templateContext(deps, wf, recordId, actor);
    label = l;
    const secrets = deps.store.openSecrets(task);
    const eventType = wf.trigger === 'http' ? 'http' : wf.trigger === 'record.saved' ? 'record.updated' : wf.trigger;
    const ctx: TaskRunContext = {
      run: {
        id: 0,
        workflowId: wf.id,
        workflowTitle: wf.title,
        module: wf.module,
        recordId: recordId ?? null,
        source: 'manual',
        eventType,
        chainDepth: 0,
        actorUserId: actor?.id ?? null,
        moduleInfo: (await deps.host.records.listModules()).find((m) => m.name === wf.module) ?? null,
      },
      task: { id: task.id, type: task.type, title: task.title },
      tpl,
      secrets,
      services: {
        host: deps.host,
        db: deps.db,
        settings: deps.settings,
        render: (value, opts) => deps.templates.render(value, tpl, opts),
        renderString: (template, opts) => deps.templates.renderString(template, tpl, opts),
        deliveries: {
          enqueue: async (d) => {
            captured = d;
            return { id: 0, webhookId: d.webhookId };
          },
        },
        // A test is no run: nothing it does is noted, and nothing counts as done before.
        effects: { find: async () => null, note: async () => undefined },
      },
      setResponse: () => undefined,
    };
    // A test sends once itself and writes nothing back (it previews instead), so it neither waits
    // through the queue nor needs a record for the answer.
    const saved = task.options as Record<string, unknown>;
    await def.run(
      def.options.parse(
        'saveResponse' in saved || 'waitForAnswer' in saved
          ? { ...saved, saveResponse: [], waitForAnswer: false }
          : saved,
      ),
      ctx,
    );
    if (!captured) throw new Error('the task built no request');
    const stored = asDelivery(captured);
    // What the page shows: the body as sent, but with the placeholder where the token went.
    const shown = fillApplicationToken(stored.body, secrets.applicationToken ? APPLICATION_TOKEN_PLACEHOLDER : null);
    const options = WebhookOptions.safeParse(task.options);
    const sent = requestToSend(stored, options.success ? options.data : null, secrets);
    const result = await sendOnce(deps, { ...sent, spellings: secretSpellings(sent.credentials, secrets) }, shown);
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
 * One attempt of `sent` (body and credentials as they go out). The page gets `shownBody` and the
 * answer with every spelling of the secrets removed (a receiver may echo the request).
 */
async function sendOnce(
  deps: SendTestDeps,
  sent: { delivery: Delivery; credentials: Credentials; spellings: string[] },
  shownBody: string | null,
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
      request: {
        method: d.method,
        url: d.url,
        headers: maskHeaders(buildSendHeaders(d, creds, Math.floor(nowMs / 1000))),
        body: shownBody,
      },
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
