/** respond: what an HTTP-started run answers — JSON output, a status, or a redirect (303). */
import { z } from 'zod';
import type { TaskDefinition } from '../task-types.js';
import type { FieldErrors } from '../../errors.js';

export const RespondOptions = z.object({
  /** HTTP status for the answer. Default 200. */
  status: z.number().int().min(200).max(599).optional(),
  /** JSON value returned as `output` (templates allowed anywhere inside). Default none. */
  body: z.unknown().optional(),
  /** Where a browser is sent with 303 (template). Default none. */
  redirectUrl: z.string().max(2000).optional(),
}).refine((o) => o.body !== undefined || o.redirectUrl || o.status, 'set a body, a status or a redirect URL');
export type RespondOptions = z.infer<typeof RespondOptions>;

export function redirectProblem(url: string): string | null {
  if (url.includes('{{') || url.includes('$')) return null; // templated: checked when rendered
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? null : 'must be an http(s) URL';
  } catch {
    return url.startsWith('/') && !url.startsWith('//') ? null : 'must be an absolute http(s) URL or a path starting with /';
  }
}

export const respondTask: TaskDefinition<RespondOptions> = {
  id: 'respond',
  label: 'Respond to the HTTP caller',
  pure: true,
  options: RespondOptions,
  validate(options): FieldErrors {
    const problem = options.redirectUrl ? redirectProblem(options.redirectUrl) : null;
    return problem ? { redirectUrl: problem } : {};
  },
  async run(options, ctx) {
    const body = options.body === undefined ? undefined : ctx.services.render(options.body);
    let redirectUrl: string | undefined;
    if (options.redirectUrl) {
      redirectUrl = ctx.services.renderString(options.redirectUrl).trim();
      const problem = redirectProblem(redirectUrl);
      if (problem || /[\r\n]/.test(redirectUrl)) throw new Error(`redirect URL ${problem ?? 'contains a line break'}`);
    }
    ctx.setResponse({ status: options.status, body, redirectUrl });
    return { status: options.status ?? null, redirectUrl: redirectUrl ?? null, body: body ?? null };
  },
};
