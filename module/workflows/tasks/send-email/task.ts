/** send_email: mails the record owner, a user, or an address; subject and body are templates. */
import { effectKeyOf } from '../../task-effects.js';
import { z } from 'zod';
import { emailAddressProblem, sanitizeHeaderText } from '../../../mail-address.js';
import { formViewBeside, type TaskDefinition } from '../../task-types.js';
import { sendEmailForm } from './form.js';
import type { FieldErrors } from '../../../errors.js';

/** PURE: the mail's Message-ID, the same for every send of one task in one run (mail clients show duplicates once). */
export function messageIdOf(runId: number, taskId: number, mailFrom: string): string {
  const domain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(mailFrom)?.[1] ?? 'hookflow.invalid';
  return `<hookflow.run-${runId}.task-${taskId}@${domain}>`;
}

export const SendEmailOptions = z.strictObject({
  to: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('owner') }),
    z.strictObject({ kind: z.literal('user'), userId: z.number().int().positive() }),
    /** A fixed address or a template such as `{{env.email}}`. */
    z.strictObject({ kind: z.literal('address'), address: z.string().min(1).max(500) }),
  ]),
  subject: z.string().min(1).max(1000),
  body: z.string().min(1).max(50_000),
  /** Send the body as HTML (values are HTML-escaped). Default false: plain text. */
  html: z.boolean().default(false),
});
export type SendEmailOptions = z.infer<typeof SendEmailOptions>;

async function resolveRecipient(options: SendEmailOptions, ctx: Parameters<TaskDefinition['run']>[1]): Promise<string> {
  const { to } = options;
  if (to.kind === 'address') {
    const address = ctx.services.renderString(to.address).trim();
    const problem = emailAddressProblem(address);
    if (problem) throw new Error(`recipient address ${problem}`);
    return address;
  }
  const userId = to.kind === 'user' ? to.userId : Number(ctx.tpl.user?.id ?? NaN);
  if (!Number.isSafeInteger(userId)) throw new Error('the record has no owner to mail');
  const user = await ctx.services.host.users.get(userId);
  if (!user || !user.active) throw new Error(`user ${userId} does not exist or is not active`);
  const problem = emailAddressProblem(user.email);
  if (problem) throw new Error(`user ${userId}'s address ${problem}`);
  return user.email;
}

export const sendEmailTask: TaskDefinition<SendEmailOptions> = {
  id: 'send_email',
  label: 'Send an email',
  options: SendEmailOptions,
  form: sendEmailForm,
  timeout: 'mailTimeoutMs',
  ledgered: true,
  formView: formViewBeside(import.meta.url),
  summary: (o) =>
    `Mails ${o.to?.kind === 'address' ? o.to.address : o.to?.kind === 'user' ? `user ${o.to.userId}` : 'the record owner'}: ${o.subject ?? ''}`,
  validate(options): FieldErrors {
    const to = options.to;
    if (to.kind === 'address' && !to.address.includes('{{') && !to.address.includes('$')) {
      const problem = emailAddressProblem(to.address);
      if (problem) return { 'to.address': problem };
    }
    return {};
  },
  async run(options, ctx) {
    const to = await resolveRecipient(options, ctx);
    const subject = sanitizeHeaderText(ctx.services.renderString(options.subject), 250);
    const body = ctx.services.renderString(options.body, { escapeHtml: options.html });
    // At least once (task-effects.ts): a mail the server accepted is noted at once, and not sent
    // again by a resumed run; one sent again (a crash before the note) keeps its Message-ID.
    const effectKey = effectKeyOf(ctx.run.id, ctx.task.id);
    if (await ctx.services.effects.find(effectKey))
      return { to, subject, resumed: 'sent before the run was resumed; not sent again' };
    // The host's mailer takes no signal: the executor stops waiting at mailTimeoutMs (or when the
    // run's lease is lost). A mail not yet handed over is not sent at all.
    ctx.signal?.throwIfAborted();
    const messageId = messageIdOf(ctx.run.id, ctx.task.id, ctx.services.host.mailFrom);
    await ctx.services.host.mailer.sendMail({
      from: ctx.services.host.mailFrom,
      to,
      subject,
      ...(options.html ? { html: body } : { text: body }),
      headers: { 'Message-ID': messageId },
    });
    await ctx.services.effects.note(effectKey, { module: null, recordId: null });
    return { to, subject, messageId };
  },
};
