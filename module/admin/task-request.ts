/**
 * A task's outgoing request built outside a run, exactly as a run builds it: the task type's own
 * run() (given its `forPreview` options) with a delivery queue that captures the delivery instead
 * of writing it. "Send test" sends what this builds once; "Preview" only shows it. Nothing is
 * stored: no run, no delivery, no task effect.
 */
import type { Workflow } from '../workflows/model.js';
import type { RunInfo, TaskRunContext } from '../workflows/task-types.js';
import type { TemplateContext } from '../workflows/templates.js';
import type { NewDelivery } from '../outbound/queue/enqueue.js';
import type { Delivery } from '../outbound/queue/read.js';
import type { ExecutorDeps } from '../workflows/executor.js';

/** What building a request needs: the executor's collaborators minus its logger and queue. */
export type TaskRequestDeps = Pick<ExecutorDeps, 'db' | 'host' | 'store' | 'taskTypes' | 'templates' | 'settings'>;

export interface TaskRequestInput {
  wf: Workflow;
  task: { id: number; type: string; title: string; options: unknown };
  run: RunInfo;
  tpl: TemplateContext;
  /** The task's decrypted secrets (the stored ones, or those typed into an unsaved form). */
  secrets: Record<string, string>;
}

/** A captured delivery as the sender reads a stored one (never stored itself). */
export function asDelivery(d: NewDelivery): Delivery {
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

/** The run context of `input` whose delivery queue keeps the delivery in `box` instead of writing it. */
function captureContext(
  deps: TaskRequestDeps,
  input: TaskRequestInput,
  box: { delivery: NewDelivery | null },
): TaskRunContext {
  const { tpl } = input;
  return {
    run: input.run,
    task: { id: input.task.id, type: input.task.type, title: input.task.title },
    tpl,
    secrets: input.secrets,
    services: {
      host: deps.host,
      db: deps.db,
      settings: deps.settings,
      render: (value, opts) => deps.templates.render(value, tpl, opts),
      renderString: (template, opts) => deps.templates.renderString(template, tpl, opts),
      deliveries: {
        enqueue: async (d) => {
          box.delivery = d;
          return { id: 0, webhookId: d.webhookId };
        },
      },
      // Outside a run: nothing is noted, and nothing counts as done before.
      effects: { find: async () => null, note: async () => undefined },
    },
    setResponse: () => undefined,
  };
}

/**
 * The delivery the task's run() builds for `input` (throws with the task's own message when it
 * cannot build one). The options go through the type's `forPreview`, so nothing waits for an
 * answer or is written back.
 */
export async function captureTaskRequest(deps: TaskRequestDeps, input: TaskRequestInput): Promise<Delivery> {
  const def = deps.taskTypes.get(input.task.type);
  if (!def?.queuesDeliveries) throw new Error('Only webhook tasks build a request');
  const box: { delivery: NewDelivery | null } = { delivery: null };
  const parsed = def.options.parse(input.task.options ?? {});
  await def.run(def.forPreview ? def.forPreview(parsed) : parsed, captureContext(deps, input, box));
  if (!box.delivery) throw new Error('the task built no request');
  return asDelivery(box.delivery);
}
