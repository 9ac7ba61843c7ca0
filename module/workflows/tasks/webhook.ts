/**
 * webhook: the outbound request action (vtiger's "Webhook" action and more). Running it only
 * builds the request snapshot and queues a delivery; the worker sends, retries and logs it.
 * Invariant: no secret of the task (password, token, signing secret, Bitrix24 application token)
 * is ever part of the snapshot; the worker applies them at send time.
 */
import { z } from 'zod';
import { ContentType, buildBody, validateParamNames } from '../../outbound/bodies.js';
import { renderWebhookUrl, urlTemplateProblem } from '../../outbound/webhook-url.js';
import { checkUrlSyntax, parseAllowlist } from '../../outbound/url-guard.js';
import { newWebhookId } from '../../outbound/sign.js';
import type { NewDelivery } from '../../outbound/enqueue.js';
import { eventTypeName, bitrixEventName, type RecordEventType } from '../triggers.js';
import type { FieldErrors } from '../../errors.js';
import type { TaskDefinition, TaskRunContext } from '../task-types.js';

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;
// Headers Hookflow sets itself; an admin-supplied value would break framing or signatures.
const RESERVED_HEADERS = new Set(['host', 'content-length', 'content-type', 'transfer-encoding', 'connection', 'authorization', 'webhook-id', 'webhook-timestamp', 'webhook-signature']);

export const WebhookOptions = z.strictObject({
  /**
   * URL to notify; may be a template (`https://acct.example/invoices/{{record.invoice_id}}`).
   * Scheme, host and port are written out; values fill the path, query or fragment, each
   * percent-encoded as one segment or value (outbound/webhook-url.ts).
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
  params: z.array(z.strictObject({ name: z.string().min(1).max(200), value: z.unknown() })).max(200).default([]),
  /** Extra headers: name → value template. CR/LF refused. Default none. */
  headers: z.array(z.strictObject({
    name: z.string().regex(HEADER_NAME, 'is not a valid header name').refine((n) => !RESERVED_HEADERS.has(n.toLowerCase()), 'is set by Hookflow itself'),
    value: z.string().max(4000).refine((v) => !/[\r\n\0]/.test(v), 'must not contain line breaks'),
  })).max(50).default([]),
  /** none | basic (username + secret password) | bearer (secret token). Default none. */
  auth: z.enum(['none', 'basic', 'bearer']).default('none'),
  username: z.string().max(200).refine((v) => !/[\r\n\0:]/.test(v), 'must not contain line breaks or ":"').optional(),
  /** Sign requests with the Standard Webhooks headers (needs the signingSecret secret). Default false. */
  sign: z.boolean().default(false),
  /** XML only: name of the document element. Default `request`. */
  xmlRoot: z.string().max(100).optional(),
});
export type WebhookOptions = z.infer<typeof WebhookOptions>;

export const WebhookSecrets = z.strictObject({
  password: z.string().max(1000).optional(),
  token: z.string().max(4000).refine((v) => !/[\r\n\0]/.test(v), 'must not contain line breaks').optional(),
  signingSecret: z.string().regex(/^whsec_[A-Za-z0-9+/=]{16,200}$/, 'must look like whsec_<base64>').optional(),
  /** BITRIX24 preset: sent as auth[application_token], put into the body at send time. */
  applicationToken: z.string().max(200).optional(),
});

const isTemplated = (s: string) => s.includes('{{') || s.includes('$');

function validateWebhook(o: WebhookOptions, allowlistEntries: string[]): FieldErrors {
  const errors: FieldErrors = {};
  const templateProblem = urlTemplateProblem(o.url, o.urlFromData);
  if (templateProblem) errors.url = templateProblem;
  else if (!isTemplated(o.url)) {
    const allow = parseAllowlist(allowlistEntries);
    const checked = checkUrlSyntax(o.url, 'ok' in allow ? allow.ok : []);
    if ('error' in checked) errors.url = checked.error;
  }
  for (const [k, v] of Object.entries(validateParamNames(o.contentType, o.params.map((p) => p.name)))) errors[k] = v;
  if (o.auth === 'basic' && !o.username) errors.username = 'is required for Basic authentication';
  return errors;
}

function renderHeaders(o: WebhookOptions, ctx: TaskRunContext): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const h of o.headers) {
    const value = ctx.services.renderString(h.value);
    if (/[\r\n\0]/.test(value)) throw new Error(`header ${h.name} would contain a line break`);
    headers[h.name] = value;
  }
  return headers;
}

function buildRequest(o: WebhookOptions, ctx: TaskRunContext, url: URL): { url: string; contentType: string | null; body: string | null } {
  const params = o.params.map((p) => ({ name: p.name, value: ctx.services.render(p.value) }));
  const eventType = ctx.run.eventType as RecordEventType;
  const recordEvent = eventType.startsWith('record.');
  const event = {
    type: recordEvent ? eventTypeName(ctx.run.module, eventType) : `${ctx.run.module.toLowerCase()}.${ctx.run.eventType}`,
    bitrixEvent: recordEvent ? bitrixEventName(ctx.run.module, eventType) : null,
    module: ctx.run.module, recordId: ctx.run.recordId, record: ctx.tpl.record, previous: ctx.tpl.previous, timeMs: Date.parse(String(ctx.tpl.event.time)),
  };
  if (o.method === 'GET') {
    // Bodiless requests carry their parameters in the query string, PHP-style nested.
    const nested = buildBody({ format: 'FORM', params, event }).body;
    const query = [url.search.slice(1), nested].filter(Boolean).join('&');
    return { url: `${url.origin}${url.pathname}${query ? `?${query}` : ''}`, contentType: null, body: null };
  }
  // BITRIX24: the body gets the token SLOT, never the token: the sender fills in the token the
  // webhook has when it sends (or drops the pair), so the stored snapshot holds no secret.
  const built = buildBody({ format: o.contentType, params, event, applicationTokenSlot: o.contentType === 'BITRIX24', xmlRootName: o.xmlRoot });
  return { url: url.toString(), contentType: built.contentType, body: built.body };
}

export const webhookTask: TaskDefinition<WebhookOptions, z.infer<typeof WebhookSecrets>> = {
  id: 'webhook',
  label: 'Webhook',
  options: WebhookOptions,
  secrets: WebhookSecrets,
  // The Bitrix24 application token is optional: without one the body carries no `auth` part.
  requiredSecrets: (o) => [o.auth === 'basic' && 'password', o.auth === 'bearer' && 'token', o.sign && 'signingSecret'].filter((n): n is string => Boolean(n)),
  validate: (o, ctx) => validateWebhook(o, ctx.settings.outboundAllowlist),
  async run(o, ctx) {
    if (!ctx.services.enqueueDelivery) throw new Error('outbound delivery is not available in this process');
    const rendered = renderWebhookUrl(o.url, o.urlFromData, ctx.services.renderString);
    const allow = parseAllowlist(ctx.services.settings().outboundAllowlist);
    const checked = checkUrlSyntax(rendered, 'ok' in allow ? allow.ok : []);
    if ('error' in checked) throw new Error(`URL ${rendered}: ${checked.error}`);
    if (o.sign && !ctx.secrets.signingSecret) throw new Error('signing is on but no signing secret is set');
    const request = buildRequest(o, ctx, checked.ok);
    const headers = renderHeaders(o, ctx);
    if (request.contentType) headers['content-type'] = request.contentType;
    const delivery: NewDelivery = {
      webhookId: newWebhookId(), runId: ctx.run.id, workflowId: ctx.run.workflowId, taskId: ctx.task.id,
      eventType: ctx.run.eventType, module: ctx.run.module, recordId: ctx.run.recordId, method: o.method,
      url: request.url, headers, contentType: request.contentType, body: request.body, originKey: `run:${ctx.run.id}:task:${ctx.task.id}`,
    };
    const stored = await ctx.services.enqueueDelivery(delivery);
    return { deliveryId: stored.id, webhookId: stored.webhookId, method: o.method, url: request.url };
  },
};
