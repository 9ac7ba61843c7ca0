/**
 * Reads the short URL's body into `$env`, after the caller has been permitted (an unpermitted
 * caller never costs a parse). Which media types and charsets are read is media-types.ts's
 * decision: urlencoded forms, JSON (`application/json`, `application/*+json`) and multipart
 * text fields, UTF-8 only; everything else is a 415 naming the type or charset, never an
 * empty `$env`. Parsing is done by well-kept libraries — body-parser (qs, the PHP/Rails
 * bracket syntax) for forms and JSON, busboy for multipart (multipart.ts) — under hard limits
 * that reject oversize input early (Content-Length checked before reading, parameter count
 * before parsing), then `toInertEnv` checks the shape.
 * One rule for field names in all three: `__proto__`, `constructor` and `prototype` (as a name
 * or a bracket/dot segment) are a 400; every other name, `toString` included, is plain data.
 */
import express, { type Request, type Response, type RequestHandler } from 'express';
import { HookflowError } from '../errors.js';
import { toHookflowError } from '../http-errors.js';
import { forbiddenSegment, toInertEnv, type EnvLimits } from './env-fields.js';
import { charsetProblem, FORM_TYPE, JSON_TYPES, MULTIPART_TYPE, unsupportedType } from './media-types.js';
import { readMultipart } from './multipart.js';

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
    try {
      name = decodeURIComponent(rawName.replace(/\+/g, ' '));
    } catch {
      name = rawName;
    }
    const bad = forbiddenSegment(name);
    if (bad) throw new HookflowError('bad_request', `field name ${JSON.stringify(name.slice(0, 80))} is not allowed`);
  }
}

// body-parser hands `verify` the charset IT is about to decode with, so this check and the
// decoding can never disagree about what the charset parameter says.
function requireUtf8(encoding: string): void {
  const problem = charsetProblem(encoding, 'Content-Type');
  if (problem) throw problem;
}

/** Runs one express middleware as a promise; its error arrives coded when it is a known kind. */
export function runMiddleware(mw: RequestHandler, req: Request, res: Response): Promise<void> {
  return new Promise((resolve, reject) => {
    mw(req, res, (err?: unknown) => (err ? reject(toHookflowError(err) ?? err) : resolve()));
  });
}

/** A body-parser run whose own charset refusals (charsets it cannot decode at all) name the charset too. */
function runParser(mw: RequestHandler, req: Request, res: Response): Promise<void> {
  return new Promise((resolve, reject) => {
    mw(req, res, (err?: unknown) => {
      if (!err) return resolve();
      const e = err as { type?: unknown; charset?: unknown };
      const named =
        e.type === 'charset.unsupported' && typeof e.charset === 'string'
          ? charsetProblem(e.charset, 'Content-Type')
          : null;
      reject(named ?? toHookflowError(err) ?? err);
    });
  });
}

function hasBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

/** Builds the reader for one set of limits (re-created when an admin changes a limit). */
export function createBodyReader(limits: BodyLimits): BodyReader {
  // The media type is decided below, so the parsers accept whatever they are given (`type`):
  // a parser that silently skips a body it does not recognise would leave `$env` empty.
  // `depth` is a body-parser 2 option its type definitions do not list yet (qs strictDepth: over → 400).
  const formOptions = {
    extended: true,
    limit: limits.maxBytes,
    parameterLimit: limits.maxFields,
    depth: limits.maxDepth,
    type: () => true,
    verify: (_req: unknown, _res: unknown, buf: Buffer, encoding: string) => {
      requireUtf8(encoding);
      checkFormKeys(buf);
    },
  };
  const form = express.urlencoded(formOptions);
  const json = express.json({
    limit: limits.maxBytes,
    strict: true,
    type: () => true,
    verify: (_req, _res, _buf, encoding) => requireUtf8(encoding),
  });
  return async (req, res) => {
    const length = Number(req.headers['content-length'] ?? 0);
    if (length > limits.maxBytes)
      throw new HookflowError('payload_too_large', `Request body is too large (at most ${limits.maxBytes} bytes)`);
    if (!hasBody(req)) return {};
    if (req.is(FORM_TYPE)) await runParser(form, req, res);
    else if (req.is(JSON_TYPES)) await runParser(json, req, res);
    else if (req.is(MULTIPART_TYPE)) return toInertEnv(await readMultipart(req, limits), limits);
    else throw unsupportedType(req.headers['content-type']);
    return toInertEnv(req.body, limits);
  };
}
