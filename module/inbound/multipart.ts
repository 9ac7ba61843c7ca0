/**
 * multipart/form-data bodies of the short URL: text fields only (file parts are refused — no
 * file handling yet), UTF-8 only (media-types.ts), names judged and nested exactly like a
 * urlencoded form's — `a[b][0]` nests through qs with the options body-parser gives it, and
 * `toString`, `hasOwnProperty`, `valueOf` … are plain names (fields are collected in a Map,
 * never looked up on an object that has a prototype).
 * The body is read whole (it is at most `maxBytes`) so that the part headers can be checked
 * for a charset before busboy decodes a single value.
 */
import type { Request } from 'express';
import busboy from 'busboy';
import qs from 'qs';
import { HookflowError } from '../errors.js';
import { forbiddenSegment, type EnvLimits } from './env-fields.js';
import { charsetProblem, multipartParams, partHeaderCharsets } from './media-types.js';

export interface MultipartLimits extends EnvLimits {
  maxBytes: number;
}

const tooLarge = () => new HookflowError('payload_too_large', 'Request body is too large');
const tooMany = (n: number) => new HookflowError('payload_too_large', `Too many fields (at most ${n})`);
const badName = (name: string) =>
  new HookflowError('bad_request', `field name ${JSON.stringify(name.slice(0, 80))} is not allowed`);

/** The whole body, refusing (and no longer buffering) past `maxBytes`. */
function readAll(req: Request, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const stop = (err: HookflowError) => {
      req.removeListener('data', onData);
      req.resume();
      reject(err);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > maxBytes) return stop(tooLarge());
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('aborted', () => reject(new HookflowError('bad_request', 'Request body was cut short')));
    req.once('error', () => reject(new HookflowError('bad_request', 'Request body was cut short')));
  });
}

/** busboy over the buffered body: the text fields in order, each name with all its values. */
function parseFields(body: Buffer, req: Request, limits: MultipartLimits): Promise<Map<string, string[]>> {
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      // defParamCharset utf8: part names are UTF-8 like everything else (busboy's default is latin1).
      bb = busboy({
        headers: req.headers,
        defParamCharset: 'utf8',
        limits: {
          fieldNameSize: limits.maxNameLength,
          fieldSize: limits.maxBytes,
          fields: limits.maxFields,
          files: 1,
          parts: limits.maxFields + 1,
        },
      });
    } catch (err) {
      reject(new HookflowError('bad_request', `Malformed multipart body: ${(err as Error).message}`));
      return;
    }
    const fields = new Map<string, string[]>();
    let failed = false;
    const fail = (err: HookflowError) => {
      if (!failed) {
        failed = true;
        reject(err);
      }
    };
    bb.on('file', (name: string, stream: NodeJS.ReadableStream) => {
      stream.resume();
      fail(
        new HookflowError(
          'bad_request',
          `File uploads are not accepted (part ${JSON.stringify(name.slice(0, 80))}); send text fields only`,
        ),
      );
    });
    bb.on('field', (name: string, value: string, info: { nameTruncated: boolean; valueTruncated: boolean }) => {
      if (info.nameTruncated)
        return fail(new HookflowError('bad_request', `a field name is longer than ${limits.maxNameLength} characters`));
      if (info.valueTruncated) return fail(tooLarge());
      if (forbiddenSegment(name)) return fail(badName(name));
      fields.set(name, [...(fields.get(name) ?? []), value]);
    });
    bb.on('fieldsLimit', () => fail(tooMany(limits.maxFields)));
    bb.on('partsLimit', () => fail(tooMany(limits.maxFields)));
    bb.on('error', (err: Error) => fail(new HookflowError('bad_request', `Malformed multipart body: ${err.message}`)));
    bb.on('close', () => {
      if (!failed) resolve(fields);
    });
    bb.end(body);
  });
}

/** Nests bracket names exactly as the urlencoded reader does (qs, body-parser's options). */
function nestLikeForm(fields: Map<string, string[]>, limits: MultipartLimits): Record<string, unknown> {
  const flat: Record<string, string | string[]> = Object.create(null);
  for (const [name, values] of fields) flat[name] = values.length === 1 ? values[0] : values;
  try {
    // qs takes an object of already-split fields (its types list string values only; arrays of
    // repeated names are merged exactly as for `a=1&a=2`).
    return qs.parse(flat as Record<string, string>, {
      allowPrototypes: true,
      arrayLimit: Math.max(100, fields.size),
      depth: limits.maxDepth,
      parameterLimit: limits.maxFields,
      strictDepth: true,
    });
  } catch (err) {
    if (err instanceof RangeError)
      throw new HookflowError('bad_request', `field names are nested deeper than ${limits.maxDepth} levels`);
    throw err;
  }
}

/** The text fields of a multipart body, before the `$env` shape checks. */
export async function readMultipart(req: Request, limits: MultipartLimits): Promise<Record<string, unknown>> {
  const params = multipartParams(req.headers['content-type']);
  if (!params) throw new HookflowError('bad_request', 'Malformed multipart body: no boundary in the Content-Type');
  const declared = charsetProblem(params.charset, 'multipart Content-Type');
  if (declared) throw declared;
  const body = await readAll(req, limits.maxBytes);
  for (const charset of partHeaderCharsets(body, params.boundary)) {
    const problem = charsetProblem(charset, 'a multipart part header');
    if (problem) throw problem;
  }
  return nestLikeForm(await parseFields(body, req, limits), limits);
}
