/**
 * What the short URL answers. JSON by default (`{ ok, run_id, workflow_id, record_id, output }`
 * or `{ ok: false, error: { code, message, fields? } }`); a browser form post (Accept prefers
 * text/html) gets a 303 to the workflow's redirect (decided and serialized by the respond task,
 * see redirect-target.ts), or a small HTML page. Every answer is a
 * plain value (`InboundAnswer`) first, so idempotent repeats can replay it byte for byte.
 */
import fs from 'node:fs';
import path from 'node:path';
import { viewsDirectory } from '../package-files.js';
import Handlebars from 'handlebars';
import type { Request, Response } from 'express';
import type { HookflowError } from '../errors.js';
import type { RunResponse } from '../workflows/task-types.js';
import type { StoredResponse } from './idempotency.js';
import { isSerializedLocation } from './redirect-target.js';

const VIEW = path.join(viewsDirectory, 'inbound', 'result.hbs');

export type InboundAnswer = StoredResponse;

export interface PageModel {
  ok: boolean;
  title: string;
  message: string;
  fields?: Record<string, string>;
  back?: boolean;
  reference?: string;
}

/** Compiles the result page once, with a private handlebars instance (escaping on). */
export function createResultPage(): (model: PageModel) => string {
  const hb = Handlebars.create();
  const template = hb.compile(fs.readFileSync(VIEW, 'utf8'), { strict: false, noEscape: false });
  return (model) => template(model);
}

/** True when the caller is a browser that prefers an HTML page to JSON. */
export function wantsHtml(req: Request): boolean {
  const accept = req.headers.accept ?? '';
  return /text\/html/i.test(accept) && req.accepts(['json', 'html']) === 'html';
}

const json = (status: number, value: unknown, extra: Record<string, string> = {}): InboundAnswer => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8', ...extra },
  body: JSON.stringify(value),
});

const html = (status: number, page: string): InboundAnswer => ({
  status,
  headers: { 'content-type': 'text/html; charset=utf-8' },
  body: page,
});

export interface RunAnswerInput {
  runId: number;
  workflowId: number;
  recordId: number;
  response: RunResponse | null;
  /** The run's final status (sync runs): succeeded, or skipped when its conditions did not match. */
  status?: string;
  /** The caller's `clientMutationId` (top level or `args.input`), echoed; null when absent (WorkflowGen). */
  clientMutationId?: string | null;
  /** Extra runs when a trigger started several workflows. */
  others?: Array<{ run_id: number; workflow_id: number; status: string }>;
}

export function successAnswer(input: RunAnswerInput, asHtml: boolean, page: (m: PageModel) => string): InboundAnswer {
  const r = input.response;
  // The respond task has decided the redirect and serialized it; a value that is not in that
  // form (nothing else sets one) is never sent as a Location: the caller gets the page instead.
  const redirect = r?.redirectUrl && isSerializedLocation(r.redirectUrl) ? r.redirectUrl : undefined;
  if (asHtml && redirect)
    return {
      status: 303,
      headers: { location: redirect, 'content-type': 'text/plain; charset=utf-8' },
      body: `See ${redirect}`,
    };
  const status = r?.status ?? 200;
  if (asHtml)
    return html(
      status,
      page({ ok: true, title: 'Thank you', message: 'Your submission was received.', reference: `run ${input.runId}` }),
    );
  return json(status, {
    ok: true,
    run_id: input.runId,
    workflow_id: input.workflowId,
    record_id: input.recordId,
    ...(input.status ? { status: input.status } : {}),
    output: r?.body ?? null,
    ...(redirect ? { redirect_url: redirect } : {}),
    clientMutationId: input.clientMutationId ?? null,
    ...(input.others?.length ? { runs: input.others } : {}),
  });
}

export function acceptedAnswer(
  input: Omit<RunAnswerInput, 'response'>,
  asHtml: boolean,
  page: (m: PageModel) => string,
): InboundAnswer {
  if (asHtml)
    return html(
      202,
      page({
        ok: true,
        title: 'Thank you',
        message: 'Your submission was received and will be processed shortly.',
        reference: `run ${input.runId}`,
      }),
    );
  return json(202, {
    ok: true,
    status: 'queued',
    run_id: input.runId,
    workflow_id: input.workflowId,
    record_id: input.recordId,
    clientMutationId: input.clientMutationId ?? null,
    ...(input.others?.length ? { runs: input.others } : {}),
  });
}

const TITLES: Record<number, string> = {
  400: 'The request could not be read',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Not available',
  413: 'Too much data',
  415: 'Unsupported form encoding',
  422: 'Please check the form',
  429: 'Too many requests',
  500: 'Something went wrong',
  503: 'Temporarily unavailable',
};

export function errorAnswer(
  err: HookflowError,
  asHtml: boolean,
  page: (m: PageModel) => string,
  extra: Record<string, unknown> = {},
): InboundAnswer {
  const headers: Record<string, string> = err.status === 429 ? { 'retry-after': '60' } : {};
  if (asHtml) {
    const reference = typeof extra.run_id === 'number' ? `run ${extra.run_id}` : undefined;
    return {
      ...html(
        err.status,
        page({
          ok: false,
          title: TITLES[err.status] ?? 'Error',
          message: err.message,
          fields: err.fields,
          back: err.status === 422,
          reference,
        }),
      ),
      headers: { ...headers, 'content-type': 'text/html; charset=utf-8' },
    };
  }
  return json(err.status, { ok: false, ...extra, error: err.toJSON() }, headers);
}

export function sendAnswer(res: Response, answer: InboundAnswer): void {
  res.status(answer.status);
  for (const [k, v] of Object.entries(answer.headers)) res.setHeader(k, v);
  res.setHeader('cache-control', 'no-store');
  res.setHeader('x-content-type-options', 'nosniff');
  res.end(answer.body);
}
