/**
 * One recipient's mail about a loaded group, pure given the renderer: a failed-delivery mail
 * for a webhook's group, a failed-run mail for a workflow's group. The recipient's audience
 * decides what URLs and links the mail shows (alert-view.ts, run-alert-view.ts).
 */
import type { PlannedMail } from './alert-digest.js';
import type { LoadedGroup } from './alert-facts.js';
import type { AlertMailRenderer, RenderedMail } from './alert-mail.js';
import { buildAlertView } from './alert-view.js';
import { buildRunAlertView } from './run-alert-view.js';

export function composeAlertMail(
  group: LoadedGroup,
  mail: PlannedMail,
  adminUrl: string,
  renderer: AlertMailRenderer,
): RenderedMail & { subject: string } {
  const input = { alertIds: mail.alertIds, recipientName: mail.name, adminUrl, audience: mail.audience };
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
