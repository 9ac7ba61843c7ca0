/**
 * Reads the short URL's body into `$env`, after the caller has been permitted (an unpermitted
 * caller never costs a parse). Parsing is done by well-kept libraries — body-parser (qs, the
 * PHP/Rails bracket syntax) for forms and JSON, busboy for multipart — under hard limits that
 * reject oversize input early (Content-Length checked before reading, parameter count before
 * parsing), then `toInertEnv` checks the shape. File parts are refused: no file handling yet.
 */
import express, { type Request, type Response, type RequestHandler } from 'express';
import busboy from 'busboy';
import { HookflowError } from '../errors.js';
import { toHookflowError } from '../http-errors.js';
import { forbiddenSegment, toInertEnv, type EnvLimits } from './env-fields.js';

export interface BodyLimits extends EnvLimits {
  /** Largest body in bytes. */
  maxBytes: number;
}

export type BodyReader = (req: Request, res: Response) => Promise<Record<string, unknown>>;

// Checks raw form keys before qs parses them: qs silently DROPS `__proto__` keys, and a field
// that vanished without a word is worse than a clear 400.
function checkFormKeys(raw: Buffer): void {
  const text = raw.toString('latin1');
  for (const pair of text.split('&')) {
    const eq = pair.indexOf('=');
    const rawName = eq === -1 ? pair : pair.slice(0, eq);
    if (rawName === '') continue;
    let name: string;
    try { name = decodeURIComponent(rawName.replace(/\+/g, ' ')); } catch { name = rawName; }
    const bad = forbiddenSegment(name);
    if (bad) throw new HookflowError('bad_request', `field name ${JSON.stringify(name.slice(0, 80))} is not allowed`);
  }
}

/** Runs one express middleware as a promise; its error arrives coded when it is a known kind. */
export function runMiddleware(mw: RequestHandler, req: Request, res: Response): Promise<void> {
  return new Promise((resolve, reject) => {
    mw(req, res, (err?: unknown) => (err ? reject(toHookflowError(err) ?? err) : resolve()));
  });
}

function readMultipart(req: Request, limits: BodyLimits): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, limits: { fieldNameSize: limits.maxNameLength, fieldSize: limits.maxBytes, fields: limits.maxFields, files: 1, parts: limits.maxFields + 1 } });
    } catch (err) {
      reject(new HookflowError('bad_request', `Malformed multipart body: ${(err as Error).message}`));
      return;
    }
    const fields: Record<string, unknown> = {};
    let failed = false;
    const fail = (err: HookflowError) => { if (!failed) { failed = true; req.unpipe(bb); req.resume(); reject(err); } };
    bb.on('file', (name: string, stream: NodeJS.ReadableStream) => { stream.resume(); fail(new HookflowError('bad_request', `File uploads are not accepted (part ${JSON.stringify(name.slice(0, 80))}); send text fields only`)); });
    bb.on('field', (name: string, value: string, info: { nameTruncated: boolean; valueTruncated: boolean }) => {
      if (info.nameTruncated) return fail(new HookflowError('bad_request', `a field name is longer than ${limits.maxNameLength} characters`));
      if (info.valueTruncated) return fail(new HookflowError('payload_too_large', 'Request body is too large'));
      if (forbiddenSegment(name)) return fail(new HookflowError('bad_request', `field name ${JSON.stringify(name.slice(0, 80))} is not allowed`));
      const prev = fields[name];
      fields[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
    });
    bb.on('fieldsLimit', () => fail(new HookflowError('payload_too_large', `Too many fields (at most ${limits.maxFields})`)));
    bb.on('partsLimit', () => fail(new HookflowError('payload_too_large', `Too many fields (at most ${limits.maxFields})`)));
    bb.on('error', (err: Error) => fail(new HookflowError('bad_request', `Malformed multipart body: ${err.message}`)));
    bb.on('close', () => { if (!failed) resolve(fields); });
    let received = 0;
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > limits.maxBytes) fail(new HookflowError('payload_too_large', 'Request body is too large'));
    });
    req.pipe(bb);
  });
}

function hasBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

/** Builds the reader for one set of limits (re-created when an admin changes a limit). */
export function createBodyReader(limits: BodyLimits): BodyReader {
  // `depth` is a body-parser 2 option its type definitions do not list yet (qs strictDepth: over → 400).
  const formOptions = { extended: true, limit: limits.maxBytes, parameterLimit: limits.maxFields, depth: limits.maxDepth, verify: (_req: unknown, _res: unknown, buf: Buffer) => checkFormKeys(buf) };
  const form = express.urlencoded(formOptions);
  const json = express.json({ limit: limits.maxBytes, strict: true, type: ['application/json', 'application/*+json'] });
  return async (req, res) => {
    const length = Number(req.headers['content-length'] ?? 0);
    if (length > limits.maxBytes) throw new HookflowError('payload_too_large', `Request body is too large (at most ${limits.maxBytes} bytes)`);
    if (!hasBody(req)) return {};
    if (req.is('application/x-www-form-urlencoded')) await runMiddleware(form, req, res);
    else if (req.is('application/json') || req.is('+json')) await runMiddleware(json, req, res);
    else if (req.is('multipart/form-data')) return toInertEnv(await readMultipart(req, limits), limits);
    else throw new HookflowError('unsupported_media_type', 'Send application/x-www-form-urlencoded, application/json or multipart/form-data');
    return toInertEnv(req.body, limits);
  };
}
