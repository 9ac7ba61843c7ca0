/**
 * The webhook request: its options and secrets (schemas), their checks, and building the
 * delivery snapshot from values the webhook task has rendered. Outbound owns all of it; the task
 * (workflows/tasks/webhook) only renders templates and enqueues what this builds.
 * Invariant: no secret (password, token, signing secret, Bitrix24 application token) is ever part
 * of the snapshot; the sender applies them at send time (credentialsOf, requestToSend).
 */
import { z } from 'zod';
import type { FieldErrors } from '../errors.js';
import { ContentType, buildBody, fillApplicationToken, validateParamNames, type BodyEvent } from './bodies.js';
import { urlTemplateProblem, hasReferences } from './webhook-url.js';
import { checkUrlSyntax, parseAllowlist } from './url-guard.js';
import { newWebhookId } from './sign.js';
import { parseResponsePath } from './response-paths.js';
import type { Credentials } from './dispatch.js';
import type { NewDelivery, WriteBack } from './queue/enqueue.js';
import type { Delivery } from './queue/read.js';
import { ExternalSystemName } from '../external-system.js';

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;
// Headers Hookflow sets itself; an admin-supplied value would break framing or signatures.
const RESERVED_HEADERS = new Set([
  'host',
  'content-length',
  'content-type',
  'transfer-encoding',
  'connection',
  'authorization',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
]);

export const WebhookOptions = z.strictObject({
  /**
   * URL to notify; may be a template (`https://acct.example/invoices/{{record.invoice_id}}`).
   * Scheme, host and port are written out; values fill the path, query or fragment, each
   * percent-encoded as one segment or value (webhook-url.ts).
   */
  url: z.string().trim().min(1).max(2000),
  /**
   * The whole URL is one record/`$env` value (e.g. a callback URL the caller posted): taken as it
   * is, still checked by the address guard when sent. Default false.
   */
  urlFromData: z.boolean().default(false),
  /** Default POST. */
  method: z.enum(['POST', 'PUT', 'PATCH', 'DELETE', 'GET']).default('POST'),
  /** Default JSON. */
  contentType: ContentType.default('JSON'),
  /** Parameters: name (dot notation builds nesting) → value template. Default none. */
  params: z
    .array(z.strictObject({ name: z.string().min(1).max(200), value: z.unknown() }))
    .max(200)
    .default([]),
  /** Extra headers: name → value template. CR/LF refused. Default none. */
  headers: z
    .array(
      z.strictObject({
        name: z
          .string()
          .regex(HEADER_NAME, 'is not a valid header name')
          .refine((n) => !RESERVED_HEADERS.has(n.toLowerCase()), 'is set by Hookflow itself'),
        value: z
          .string()
          .max(4000)
          .refine((v) => !/[\r\n\0]/.test(v), 'must not contain line breaks'),
      }),
    )
    .max(50)
    .default([]),
  /** none | basic (username + secret password) | bearer (secret token). Default none. */
  auth: z.enum(['none', 'basic', 'bearer']).default('none'),
  username: z
    .string()
    .max(200)
    .refine((v) => !/[\r\n\0:]/.test(v), 'must not contain line breaks or ":"')
    .optional(),
  /** Sign requests with the Standard Webhooks headers (needs the signingSecret secret). Default false. */
  sign: z.boolean().default(false),
  /** XML only: name of the document element. Default `request`. */
  xmlRoot: z.string().max(100).optional(),
  /**
   * "Save from the response": after a 2xx, each row's value in the JSON answer (`$.invoice.id`)
   * is written to a field of the run's record (response-paths.ts). Default none.
   */
  /**
   * "Wait for the answer": the run sends this request itself, right away, and waits for it (at most
   * `answerTimeoutMs`), so later tasks can use the answer as `{{steps.<task id>.response…}}`. A
   * failed attempt fails the task (the delivery keeps its retries). Default false: queued.
   */
  waitForAnswer: z.boolean().default(false),
  /** How long a run waits for the answer, ms. Default 10000. */
  answerTimeoutMs: z.number().int().min(500).max(60_000).default(10_000),
  saveResponse: z
    .array(z.strictObject({ path: z.string().trim().min(1).max(300), field: z.string().trim().min(1).max(100) }))
    .max(20)
    .default([]),
  /** The external system this webhook sends to (`accounting`), compared case-insensitively. Default none. */
  system: ExternalSystemName.optional(),
  /**
   * Echo suppression (external-system.ts): an event whose change came from `system` itself is not
   * sent back to it (the task is skipped, saying so). Only with `system`. Default true.
   */
  skipEchoes: z.boolean().optional(),
});
export type WebhookOptions = z.infer<typeof WebhookOptions>;

export const WebhookSecrets = z.strictObject({
  password: z.string().max(1000).optional(),
  token: z
    .string()
    .max(4000)
    .refine((v) => !/[\r\n\0]/.test(v), 'must not contain line breaks')
    .optional(),
  signingSecret: z
    .string()
    .regex(/^whsec_[A-Za-z0-9+/=]{16,200}$/, 'must look like whsec_<base64>')
    .optional(),
  /** BITRIX24 preset: sent as auth[application_token], put into the body at send time. */
  applicationToken: z.string().max(200).optional(),
});
export type WebhookSecrets = z.infer<typeof WebhookSecrets>;

/** The secrets these options need to send (the Bitrix24 token is optional: without it no `auth` part). */
/** True when the URL is built from record or `$env` data (a template), so one URL is one resource. */
export function urlCarriesRecordData(o: Pick<WebhookOptions, 'url' | 'urlFromData'>): boolean {
  return o.urlFromData || hasReferences(o.url);
}

export function requiredWebhookSecrets(o: WebhookOptions): string[] {
  return [o.auth === 'basic' && 'password', o.auth === 'bearer' && 'token', o.sign && 'signingSecret'].filter(
    (n): n is string => Boolean(n),
  );
}

/** Save-time checks beyond the schema: the URL (shape, or syntax and address when fixed), parameter names, basic auth. */
export function validateWebhookOptions(o: WebhookOptions, allowlistEntries: string[]): FieldErrors {
  const errors: FieldErrors = {};
  const templateProblem = urlTemplateProblem(o.url, o.urlFromData);
  if (templateProblem) errors.url = templateProblem;
  else if (!hasReferences(o.url)) {
    const allow = parseAllowlist(allowlistEntries);
    const checked = checkUrlSyntax(o.url, 'ok' in allow ? allow.ok : []);
    if ('error' in checked) errors.url = checked.error;
  }
  for (const [k, v] of Object.entries(
    validateParamNames(
      o.contentType,
      o.params.map((p) => p.name),
    ),
  ))
    errors[k] = v;
  if (o.auth === 'basic' && !o.username) errors.username = 'is required for Basic authentication';
  o.saveResponse.forEach((row, i) => {
    const parsed = parseResponsePath(row.path);
    if ('error' in parsed) errors[`saveResponse.${i}.path`] = parsed.error;
  });
  return errors;
}

/** What the task rendered from the options' templates (the URL already encoded by position). */
export interface RenderedWebhook {
  url: string;
  headers: Array<{ name: string; value: string }>;
  params: Array<{ name: string; value: unknown }>;
}

/** Where the delivery comes from: its run, workflow, task and record. */
export interface DeliveryOrigin {
  runId: number;
  workflowId: number;
  taskId: number;
  eventType: string;
  module: string;
  recordId: number | null;
  /** The run's record values now (what a write-back compares against when the answer comes). */
  recordFields?: Record<string, unknown>;
}

/**
 * The delivery snapshot: URL checked (syntax, literal addresses), body or GET query built for
 * the content type, rendered headers checked for line breaks. Idempotent per (run, task) through
 * its origin key. Throws with a message naming the problem.
 */
export function buildWebhookDelivery(
  o: WebhookOptions,
  r: RenderedWebhook,
  event: BodyEvent,
  origin: DeliveryOrigin,
  allowlistEntries: string[],
): NewDelivery {
  const allow = parseAllowlist(allowlistEntries);
  const checked = checkUrlSyntax(r.url, 'ok' in allow ? allow.ok : []);
  if ('error' in checked) throw new Error(`URL ${r.url}: ${checked.error}`);
  const headers: Record<string, string> = {};
  for (const h of r.headers) {
    if (/[\r\n\0]/.test(h.value)) throw new Error(`header ${h.name} would contain a line break`);
    headers[h.name] = h.value;
  }
  const url = checked.ok;
  let request: { url: string; contentType: string | null; body: string | null };
  if (o.method === 'GET') {
    // Bodiless requests carry their parameters in the query string, PHP-style nested.
    const nested = buildBody({ format: 'FORM', params: r.params, event }).body;
    const query = [url.search.slice(1), nested].filter(Boolean).join('&');
    request = { url: `${url.origin}${url.pathname}${query ? `?${query}` : ''}`, contentType: null, body: null };
  } else {
    // BITRIX24: the body gets the token SLOT, never the token (filled in when sent).
    const built = buildBody({
      format: o.contentType,
      params: r.params,
      event,
      applicationTokenSlot: o.contentType === 'BITRIX24',
      xmlRootName: o.xmlRoot,
    });
    request = { url: url.toString(), contentType: built.contentType, body: built.body };
  }
  if (request.contentType) headers['content-type'] = request.contentType;
  return {
    webhookId: newWebhookId(),
    runId: origin.runId,
    workflowId: origin.workflowId,
    taskId: origin.taskId,
    eventType: origin.eventType,
    module: origin.module,
    recordId: origin.recordId,
    method: o.method,
    url: request.url,
    headers,
    contentType: request.contentType,
    body: request.body,
    originKey: `run:${origin.runId}:task:${origin.taskId}`,
    writeBack: writeBackOf(o, origin),
  };
}

/**
 * What a write-back needs later: the rules, and each target field's value when the delivery is
 * queued, so the worker can tell an edit made meanwhile (a conflict) from its own earlier write.
 */
function writeBackOf(o: WebhookOptions, origin: DeliveryOrigin): WriteBack | null {
  if (o.saveResponse.length === 0) return null;
  if (origin.recordId === null)
    throw new Error('saving from the response needs a record, and this run has none (record_id 0)');
  const expected: Record<string, unknown> = {};
  for (const rule of o.saveResponse) expected[rule.field] = origin.recordFields?.[rule.field] ?? null;
  return { rules: o.saveResponse, expected };
}

/** The credentials the options name, filled from the decrypted secrets (none when the options are unknown). */
export function credentialsOf(options: WebhookOptions | null, secrets: WebhookSecrets): Credentials {
  return {
    auth: options?.auth ?? 'none',
    username: options?.username,
    password: secrets.password,
    token: secrets.token,
    signingSecret: options?.sign ? secrets.signingSecret : undefined,
  };
}

/**
 * What one attempt sends, built at send time from the stored snapshot and the decrypted secrets:
 * the body as sent (a BITRIX24 token slot filled with the current token, or dropped) and the
 * credentials. Signing it (dispatch) covers exactly the bytes sent. Never store the result.
 */
export function requestToSend(
  d: Delivery,
  options: WebhookOptions | null,
  secrets: WebhookSecrets,
): { delivery: Delivery; credentials: Credentials } {
  return {
    delivery: { ...d, body: fillApplicationToken(d.body, secrets.applicationToken) },
    credentials: credentialsOf(options, secrets),
  };
}
