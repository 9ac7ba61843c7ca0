/**
 * What every task type is: `{ id, options: zodSchema, run, form, summary }`, one folder each
 * under tasks/ (task.ts, form.ts, form.hbs); tasks/index.ts lists them.
 */
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import type { Knex } from 'knex';
import type { ChangeOrigin, HostContext, ModuleInfo } from '../host.js';
import type { FieldErrors } from '../errors.js';
import type { HookflowSettings } from '../config.js';
import type { RenderOptions, TemplateContext } from './templates.js';
import type { NewDelivery } from '../outbound/queue/enqueue.js';
import type { ImmediateOutcome } from '../outbound/send-now.js';
import type { TaskEffectLedger } from './task-effects.js';
import type { TaskForm } from '../forms/task-form.js';

/** What a task needs of the delivery queue (install adapts the outbound queue to it). */
export interface DeliveryQueue {
  enqueue(delivery: NewDelivery): Promise<{ id: number; webhookId: string }>;
  /**
   * Sends a queued delivery now, in this process, and waits for its outcome ("wait for the
   * answer"): at most `timeoutMs` for the request. Default none (such webhooks then fail, saying so).
   */
  sendNow?(deliveryId: number, timeoutMs: number): Promise<ImmediateOutcome>;
}

/** What a run knows while its tasks execute. */
export interface RunInfo {
  id: number;
  workflowId: number;
  workflowTitle: string;
  module: string;
  recordId: number | null;
  source: 'record_event' | 'http' | 'manual' | 'rerun' | 'schedule' | 'backfill';
  eventType: string;
  chainDepth: number;
  actorUserId: number | null;
  /** The external system the run's change came from (runs.ts `originSystem`). Default none. */
  originSystem?: string | null;
  /** The host's description of `module` (aliases, fields), or null when it no longer lists it. */
  moduleInfo?: ModuleInfo | null;
}

/** Services a task may use; all created by install() and passed in. */
export interface TaskServices {
  host: HostContext;
  db: Knex;
  settings(): HookflowSettings;
  /** Renders templates in a value (strings, arrays, objects) against the run's context. */
  render(value: unknown, opts?: { escapeHtml?: boolean }): unknown;
  renderString(template: string, opts?: RenderOptions): string;
  /** The task effect ledger (task-effects.ts): what this run's tasks already did outside it. */
  effects: TaskEffectLedger;
  /** The delivery queue: writes a delivery row for a webhook task; idempotent per (run, task): a repeat returns the stored row's id and webhook-id. */
  deliveries?: DeliveryQueue;
}

export interface TaskRunContext {
  run: RunInfo;
  task: { id: number; type: string; title: string };
  /** The live template context; `env` and `record` may be changed by tasks for later tasks. */
  tpl: TemplateContext;
  /** Decrypted secrets of this task (credentials), or {} when none. */
  secrets: Record<string, string>;
  services: TaskServices;
  /** Output of a respond task (HTTP-started runs answer with it). */
  setResponse(response: RunResponse): void;
  /**
   * Aborts when the task's timeout passes or the run's lease is lost: pass it to calls that take
   * one. The executor stops waiting for the task then either way (set by the executor).
   */
  signal?: AbortSignal;
}

/** The settings a task type's timeout can come from (each bounded by `leaseSeconds` at start-up). */
export type TaskTimeoutSetting = 'mailTimeoutMs' | 'recordCallTimeoutMs';

export interface RunResponse {
  status?: number;
  body?: unknown;
  redirectUrl?: string;
}

/** Context for save-time checks beyond the zod schema. */
export interface TaskValidationContext {
  workflowModule: string;
  modules: ModuleInfo[];
  /** Checks a template string; returns an error message or null. */
  checkTemplate(template: unknown): string | null;
  settings: HookflowSettings;
}

export interface TaskDefinition<O = unknown, S = unknown> {
  /** Stable type id stored in hookflow_tasks.type, e.g. `webhook`. */
  id: string;
  /** Human label for the admin UI. */
  label: string;
  options: z.ZodType<O>;
  /** Write-only credentials, stored encrypted; omitted on update keeps the stored ones. */
  secrets?: z.ZodType<S>;
  /**
   * Names of the secrets these options need to run (e.g. basic auth → `password`). Default none.
   * A task missing one is flagged, and its workflow cannot be active (imports arrive without secrets).
   */
  requiredSecrets?(options: O): string[];
  /** Extra checks at save (field names exist, URLs allowed …); errors keyed relative to options. */
  validate?(options: O, ctx: TaskValidationContext): FieldErrors;
  /**
   * True when the task has no effect outside the run (no writes, no sends): after a crash it is
   * simply repeated, so the executor does not save progress after it. Default false.
   */
  pure?: boolean;
  /**
   * True when the task notes its effect in the task effect ledger (task-effects.ts) by the time
   * run() returns, and looks it up before repeating it: a resumed run finds the note, so the
   * executor does not save progress after it either (the finish write records it). Default false.
   */
  ledgered?: boolean;
  /**
   * The setting whose value bounds one run() of this type; past it the task fails ("timed out").
   * Default `recordCallTimeoutMs`.
   */
  timeout?: TaskTimeoutSetting;
  /** Time a run of these options may take beyond `timeout`'s setting, ms (a webhook waiting for its answer). Default 0. */
  extraTimeoutMs?(options: O): number;
  /** Executes the task. A thrown error fails the run with its message. Returns data for the run log. */
  run(options: O, ctx: TaskRunContext): Promise<unknown>;
  /** The admin form of this type: stored options ↔ form values (`options` above stays the validation). */
  form: TaskForm;
  /**
   * Absolute path of the handlebars view of `form`, which the admin pages register as partial
   * `task-<id>`. By convention the `form.hbs` beside the type's task.ts, found with
   * `formViewBeside(import.meta.url)`: right from the sources and from dist/ alike, since the
   * build copies each .hbs under module/ to the same place under dist/module/.
   */
  formView: string;
  /**
   * One line describing a task of this type in its workflow's task list. Gets the options as
   * stored, unparsed: a task saved before a schema change (or imported) may lack some of them.
   */
  summary(options: Partial<O>): string;
  /**
   * True when run() queues webhook deliveries (services.deliveries, requests built by
   * outbound/webhook-request.ts): the pages then link the task's webhook log and offer
   * "Send test" (one request built as a run would build it, sent once). Default false.
   */
  queuesDeliveries?: boolean;
  /**
   * The options a request built outside a run uses ("Send test", "Preview"): what only a queued
   * delivery of a real run does (writing the answer back, waiting for it) switched off, so the
   * request is built and nothing else happens. Default the options unchanged.
   */
  forPreview?(options: O): O;
  /**
   * Its options hold `fields` rows (`{ field, value }`) that create a record from the request, so
   * a captured inbound request's fields can be mapped into them ("Map to record fields"). Default false.
   */
  mapsRequestFields?: boolean;
}

/**
 * The origin of a record change a task of `run` makes: this run, one step deeper in the chain,
 * the task's effect key, and the run's external system, so the runs the change starts know it
 * came from that system (and webhooks back to it skip it).
 */
export function changeOriginOf(
  run: Pick<RunInfo, 'id' | 'chainDepth' | 'originSystem'>,
  effectKey?: string,
): ChangeOrigin {
  return {
    runId: run.id,
    chainDepth: run.chainDepth + 1,
    ...(effectKey ? { effectKey } : {}),
    ...(run.originSystem ? { system: run.originSystem } : {}),
  };
}

/**
 * What run() returns when the task chose not to act (a webhook's echo): the run log shows the
 * task skipped, with the reason; the run goes on with its next task.
 */
export class TaskSkipped {
  constructor(readonly reason: string) {}
}

/** The `form.hbs` in the folder of the module at `moduleUrl` (a task.ts passes its import.meta.url). */
export function formViewBeside(moduleUrl: string): string {
  return fileURLToPath(new URL('form.hbs', moduleUrl));
}

/** Walks every string in a value with its dot path (to check templates at save). */
export function collectStrings(
  value: unknown,
  path: string,
  out: Array<{ path: string; value: string }> = [],
): Array<{ path: string; value: string }> {
  if (typeof value === 'string') out.push({ path, value });
  else if (Array.isArray(value)) value.forEach((v, i) => collectStrings(v, `${path}.${i}`, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) collectStrings(v, `${path}.${k}`, out);
  }
  return out;
}

export type AnyTaskDefinition = TaskDefinition<any, any>;
