/**
 * respond: what an HTTP-started run answers — JSON output, a status, or a redirect (303).
 * A redirect is decided on the URL the browser will resolve (inbound/redirect-target.ts): it
 * may lead to the CRM's own origin (the host's `baseUrl`) or to the origin the admin wrote out
 * in the redirect URL itself, never to an origin that only a `$env` value names — `$env` is
 * whatever the caller posted. The answer carries the serialized resolved URL, not the text.
 */
import { z } from 'zod';
import { formViewBeside, type TaskDefinition } from '../../task-types.js';
import { respondForm } from './form.js';
import { HookflowError, type FieldErrors } from '../../../errors.js';
import {
  decideRedirect,
  literalOrigin,
  redirectTemplateProblem,
  siteOriginOf,
} from '../../../inbound/redirect-target.js';

export const RespondOptions = z
  .strictObject({
    /** HTTP status for the answer. Default 200. */
    status: z.number().int().min(200).max(599).optional(),
    /** JSON value returned as `output` (templates allowed anywhere inside). Default none. */
    body: z.unknown().optional(),
    /** Where a browser is sent with 303 (template). Default none. */
    redirectUrl: z.string().max(2000).optional(),
  })
  .refine((o) => o.body !== undefined || o.redirectUrl || o.status, 'set a body, a status or a redirect URL');
export type RespondOptions = z.infer<typeof RespondOptions>;

/** Save-time check of the redirect URL as written; null when fine (templated parts are checked when rendered). */
export function redirectProblem(url: string): string | null {
  return redirectTemplateProblem(url);
}

/** The Location for the rendered redirect of `template`; throws a 422-coded error naming redirectUrl. */
export function resolveRedirect(template: string, rendered: string, baseUrl: string | undefined): string {
  const origin = literalOrigin(template);
  const decision = decideRedirect(rendered, {
    siteOrigin: siteOriginOf(baseUrl),
    allowedOrigins: origin ? [origin] : [],
  });
  if (!decision.ok)
    throw new HookflowError('validation_failed', `redirect URL ${decision.problem}`, { redirectUrl: decision.problem });
  return decision.location;
}

export const respondTask: TaskDefinition<RespondOptions> = {
  id: 'respond',
  label: 'Respond to the HTTP caller',
  pure: true,
  options: RespondOptions,
  form: respondForm,
  formView: formViewBeside(import.meta.url),
  summary: (o) =>
    o.redirectUrl ? `Redirects to ${o.redirectUrl}` : `Answers${o.status ? ` ${o.status}` : ''} with JSON`,
  validate(options): FieldErrors {
    const problem = options.redirectUrl ? redirectProblem(options.redirectUrl) : null;
    return problem ? { redirectUrl: problem } : {};
  },
  async run(options, ctx) {
    const body = options.body === undefined ? undefined : ctx.services.render(options.body);
    const redirectUrl = options.redirectUrl
      ? resolveRedirect(options.redirectUrl, ctx.services.renderString(options.redirectUrl), ctx.services.host.baseUrl)
      : undefined;
    ctx.setResponse({ status: options.status, body, redirectUrl });
    return { status: options.status ?? null, redirectUrl: redirectUrl ?? null, body: body ?? null };
  },
};
