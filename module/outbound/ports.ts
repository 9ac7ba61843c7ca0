/**
 * What outbound needs from the rest of the module, as interfaces: install() wires the workflow
 * store in as WebhookTargets (workflows/webhook-targets.ts), and the alert outbox as
 * OnFinalFailure. So outbound/ imports nothing from workflows/ or alerts/, and each table keeps
 * one owner.
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

/** A write-back to do: values from the answer, and what the fields held when the delivery was queued. */
export interface AnswerToSave {
  runId: number | null;
  module: string;
  recordId: number;
  values: Record<string, unknown>;
  expected: Record<string, unknown>;
}

/**
 * Writes values of a receiver's answer onto the delivery's record ("save from the response");
 * install() adapts the host's records and the run (its actor and chain depth) to it.
 * `saved`: what was written, in plain words; `problem`: why nothing was (a field changed since
 * the delivery was queued, the record is gone, the host refused a value).
 */
export interface AnswerWriter {
  save(answer: AnswerToSave): Promise<{ saved: string } | { problem: string }>;
}
