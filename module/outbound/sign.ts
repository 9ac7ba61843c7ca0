/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): the receiver verifies
 * `webhook-signature` = `v1,<base64 HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<body>")>`
 * where key is the base64-decoded part of the `whsec_…` secret. Any Standard Webhooks library
 * (Svix, `standardwebhooks`) can verify what this module signs.
 */
import { createHmac, randomBytes } from 'node:crypto';

const SECRET_PREFIX = 'whsec_';
/** The spec asks for secrets between 24 and 64 bytes. */
const MIN_SECRET_BYTES = 24;
const MAX_SECRET_BYTES = 64;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** A new signing secret: `whsec_` + base64 of 24 random bytes. */
export function generateSigningSecret(): string {
  return SECRET_PREFIX + randomBytes(MIN_SECRET_BYTES).toString('base64');
}

/** A new message id: `msg_` + 27 url-safe random characters (160 bits). */
export function newWebhookId(): string {
  return `msg_${randomBytes(20).toString('base64url')}`;
}

/** Why `secret` is not a usable signing secret, or null. For save-time validation. */
export function signingSecretProblem(secret: string): string | null {
  if (typeof secret !== 'string' || !secret.startsWith(SECRET_PREFIX)) return `must start with "${SECRET_PREFIX}"`;
  const encoded = secret.slice(SECRET_PREFIX.length);
  if (encoded.length === 0 || !BASE64.test(encoded)) return `must be "${SECRET_PREFIX}" followed by base64`;
  const bytes = Buffer.from(encoded, 'base64').length;
  if (bytes < MIN_SECRET_BYTES || bytes > MAX_SECRET_BYTES) {
    return `must encode ${MIN_SECRET_BYTES}-${MAX_SECRET_BYTES} bytes (has ${bytes})`;
  }
  return null;
}

function secretKey(secret: string): Buffer {
  const problem = signingSecretProblem(secret);
  if (problem) throw new Error(`signing secret ${problem}`);
  return Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
}

export interface SignInput {
  /** `webhook-id`; the same id on every retry of one delivery, so receivers can deduplicate. */
  webhookId: string;
  /** Unix seconds of this attempt (receivers reject timestamps more than ~5 minutes off). */
  timestampSeconds: number;
  /** Exactly the bytes that will be sent. */
  body: string;
  /** `whsec_…` secret. */
  secret: string;
}

/** `v1,<base64 signature>`. Throws on a bad secret, id or timestamp rather than sign garbage. */
export function signPayload(input: SignInput): string {
  if (!Number.isSafeInteger(input.timestampSeconds) || input.timestampSeconds < 0) {
    throw new Error('timestampSeconds must be a non-negative integer');
  }
  // "." separates the signed parts; an id containing one would make the content ambiguous.
  if (!/^[A-Za-z0-9_-]{1,256}$/.test(input.webhookId)) throw new Error('webhookId must be 1-256 url-safe characters');
  const signed = `${input.webhookId}.${input.timestampSeconds}.${input.body}`;
  const mac = createHmac('sha256', secretKey(input.secret)).update(signed, 'utf8').digest('base64');
  return `v1,${mac}`;
}

export interface SignatureHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** The three Standard Webhooks headers for one attempt. */
export function signatureHeaders(input: SignInput): SignatureHeaders {
  return {
    'webhook-id': input.webhookId,
    'webhook-timestamp': String(input.timestampSeconds),
    'webhook-signature': signPayload(input),
  };
}
