/**
 * One delivery attempt over HTTP. Credentials and the Standard Webhooks signature are applied
 * here, at send time, from the task's sealed secrets — they are never part of the stored snapshot.
 * Redirects are not followed; the response body is read up to a limit (setting
 * `responseBodyLimitBytes`, default 16 KiB) and the rest discarded.
 */
import { request, type Dispatcher } from 'undici';
import { isBlockedError } from './url-guard.js';
import { signatureHeaders } from './sign.js';
import type { AttemptRecord } from './queue/record-attempts.js';
import type { Delivery } from './queue/read.js';

export const RESPONSE_BODY_LIMIT = 16 * 1024;

export interface Credentials {
  auth: 'none' | 'basic' | 'bearer';
  username?: string;
  password?: string;
  token?: string;
  /** Sign with this `whsec_…` secret when set. */
  signingSecret?: string;
}

/** The headers actually sent: snapshot + credentials + signature for this attempt. */
export function buildSendHeaders(d: Delivery, creds: Credentials, timestampSeconds: number): Record<string, string> {
  const headers: Record<string, string> = { 'user-agent': 'Hookflow/0.1 (+webhook)', ...d.headers };
  if (creds.auth === 'basic')
    headers.authorization = `Basic ${Buffer.from(`${creds.username ?? ''}:${creds.password ?? ''}`).toString('base64')}`;
  if (creds.auth === 'bearer' && creds.token) headers.authorization = `Bearer ${creds.token}`;
  if (creds.signingSecret)
    Object.assign(
      headers,
      signatureHeaders({ webhookId: d.webhookId, timestampSeconds, body: d.body ?? '', secret: creds.signingSecret }),
    );
  else headers['webhook-id'] = d.webhookId; // receivers can de-duplicate even without signing
  return headers;
}

/** The answer's first `limit` bytes, and whether there was more (then the rest is not read). */
async function readLimited(
  body: Dispatcher.ResponseData['body'],
  limit: number,
): Promise<{ text: string; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = Buffer.from(chunk as Uint8Array);
    chunks.push(buf.subarray(0, Math.max(0, limit - size)));
    size += buf.length;
    if (size > limit) break; // leaving the loop destroys the stream
  }
  return { text: Buffer.concat(chunks).toString('utf8'), truncated: size > limit };
}

function describe(err: unknown): { outcome: AttemptRecord['outcome']; error: string } {
  const e = err as Error & { code?: string; cause?: { code?: string } };
  if (isBlockedError(e)) return { outcome: 'blocked', error: e.message };
  const code = e.code ?? e.cause?.code ?? '';
  if (/TIMEOUT|ABORT/i.test(code) || e.name === 'TimeoutError' || e.name === 'AbortError')
    return { outcome: 'timeout', error: `timed out (${code || e.name})` };
  return { outcome: 'network_error', error: `${code ? `${code}: ` : ''}${e.message}`.slice(0, 1000) };
}

export interface SendInput {
  delivery: Delivery;
  credentials: Credentials;
  agent: Dispatcher;
  timeoutMs: number;
  /** Epoch ms of the attempt (database clock), for the signature timestamp. */
  nowMs: number;
  /** How much of the answer is read, bytes. Default RESPONSE_BODY_LIMIT (16 KiB). */
  bodyLimitBytes?: number;
  /** Aborts the request (the worker lost the delivery's lease). Default none. */
  signal?: AbortSignal;
}

/** An attempt as sent: what is stored, plus what the sender alone needs to know. */
export type SentAttempt = AttemptRecord & { retryAfter: string | null; responseTruncated: boolean };

/** Sends one attempt; never throws. */
export async function sendAttempt(input: SendInput): Promise<SentAttempt> {
  const { delivery: d } = input;
  const started = performance.now();
  const base = { startedAt: input.nowMs, retryAfter: null as string | null, responseTruncated: false };
  try {
    const res = await request(d.url, {
      method: d.method as Dispatcher.HttpMethod,
      headers: buildSendHeaders(d, input.credentials, Math.floor(input.nowMs / 1000)),
      body: d.method === 'GET' ? undefined : (d.body ?? undefined),
      dispatcher: input.agent,
      signal: input.signal
        ? AbortSignal.any([input.signal, AbortSignal.timeout(input.timeoutMs)])
        : AbortSignal.timeout(input.timeoutMs),
    });
    const { text, truncated } = await readLimited(res.body, input.bodyLimitBytes ?? RESPONSE_BODY_LIMIT);
    const headers = Object.fromEntries(
      Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v ?? '')]),
    );
    const ok = res.statusCode >= 200 && res.statusCode < 300;
    return {
      ...base,
      responseTruncated: truncated,
      outcome: ok ? 'success' : 'http_error',
      statusCode: res.statusCode,
      responseHeaders: headers,
      responseBody: text,
      error: ok ? null : `HTTP ${res.statusCode}`,
      durationMs: Math.round(performance.now() - started),
      retryAfter: headers['retry-after'] ?? null,
    };
  } catch (err) {
    const { outcome, error } = describe(err);
    return {
      ...base,
      outcome,
      statusCode: null,
      responseHeaders: null,
      responseBody: null,
      error,
      durationMs: Math.round(performance.now() - started),
    };
  }
}
