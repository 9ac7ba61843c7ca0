/**
 * One recipient's mail about a loaded group, pure given the renderer: a failed-delivery mail
 * for a webhook's group, a failed-run mail for a workflow's group. The recipient's audience
 * decides what URLs and links the mail shows (alert-view.ts, run-alert-view.ts); their locale and
 * time zone its language and times (alert-locale.ts: an unusable one falls back, with a warning).
 */
import type { HostLogger } from '../host.js';
import type { PlannedMail } from './alert-digest.js';
import type { LoadedGroup } from './alert-facts.js';
import type { AlertMailRenderer, RenderedMail } from './alert-mail.js';
import { buildAlertView } from './alert-view.js';
import { buildRunAlertView } from './run-alert-view.js';
import { resolveAlertLocale } from './alert-locale.js';

export function composeAlertMail(
  group: LoadedGroup,
  mail: PlannedMail,
  adminUrl: string,
  renderer: AlertMailRenderer,
  logger: Pick<HostLogger, 'warn'>,
): RenderedMail & { subject: string } {
  const locale = resolveAlertLocale(mail, logger, { userId: mail.userIds[0] ?? null });
  const input = { alertIds: mail.alertIds, recipientName: mail.name, adminUrl, audience: mail.audience, locale };
  if (group.kind === 'run') {
    const { subject, view } = buildRunAlertView({ ...input, group: group.facts });
    return { subject, ...renderer.renderRun(view) };
  }
  const { subject, view } = buildAlertView({ ...input, group: group.facts });
  return { subject, ...renderer.render(view) };
}

/** How many failures a loaded group still has (alerts whose delivery or run was pruned are gone). */
export function failuresIn(group: LoadedGroup): number {
  return group.kind === 'run' ? group.facts.runs.length : group.facts.deliveries.length;
}
