/**
 * What outbound needs from the rest of the module, as interfaces: install() adapts the workflow
 * store to WebhookTargets, and the alert outbox to OnFinalFailure. So outbound/ imports nothing
 * from workflows/ or alerts/, and each table keeps one owner.
 */
import type { WebhookOptions, WebhookSecrets } from './webhook-request.js';

export type { OnFinalFailure } from './queue/record-attempts.js';

/** A webhook as the sender needs it at send time: its options and its opened secrets. */
export interface WebhookTarget {
  taskId: number;
  /** null when the stored options no longer parse (the attempt is then refused, never guessed). */
  options: WebhookOptions | null;
  secrets: WebhookSecrets;
  /** When and why it was switched off (410 Gone, an admin); null while it is on. */
  disabledAt: number | null;
  disabledReason: string | null;
}

export interface WebhookTargets {
  /** The webhook task with this id, or null when it was deleted. */
  load(taskId: number): Promise<WebhookTarget | null>;
  /** Switches the webhook off (kept when it already is). */
  disable(taskId: number, reason: string): Promise<void>;
}
