/**
 * External systems and echo suppression (issue 21.4, "ping-pong between systems"). An inbound
 * permission may name the system it admits (`accounting`); a run started through it carries that
 * name, every record change the run makes passes it as `origin.system`, and the runs those
 * changes start carry it again (a run's system is its triggering event's `origin.system`, so it
 * holds down the whole chain the outside change caused). A webhook naming the same destination
 * system does not send such an event back: it would only echo the system's own change to it.
 * Pure; shared by inbound (the permission), outbound (the webhook option) and workflows (the run).
 */
import { z } from 'zod';

const SYSTEM_NAME = /^[A-Za-z0-9 _-]{1,64}$/;

/** An external system's name as an admin types it: trimmed, 1–64 letters, digits, spaces, - or _. */
export const ExternalSystemName = z
  .string()
  .trim()
  .min(1, 'must not be blank')
  .max(64)
  .regex(SYSTEM_NAME, 'must be 1-64 letters, digits, spaces, - or _');

/** A change origin's system as a run keeps it: a valid name, trimmed, else null (the host hands it back opaque). */
export function systemOf(value: unknown): string | null {
  // Most changes come from no system: answered before zod, whose failure path builds an error
  // object (a fifth of the record-save hook's own CPU when every save went through it).
  if (typeof value !== 'string') return null;
  const parsed = ExternalSystemName.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** The same system whatever the letter case (`Accounting` = `accounting`); blank names none. */
export function sameSystem(a: string | null | undefined, b: string | null | undefined): boolean {
  const x = a?.trim().toLowerCase() ?? '';
  const y = b?.trim().toLowerCase() ?? '';
  return x !== '' && x === y;
}

/** What a webhook says about echoes: the system it sends to, and whether it skips that system's own changes. */
export interface EchoPolicy {
  system?: string | null;
  /** Default true when `system` is set. */
  skipEchoes?: boolean | null;
}

/**
 * PURE: the reason a webhook does not send this run's event (`skipped: came from accounting`),
 * or null when it sends. Skipped only when the webhook names a system, skipping echoes is not
 * switched off, and the run's change came from that same system.
 */
export function echoSkipReason(webhook: EchoPolicy, runSystem: string | null | undefined): string | null {
  if (!webhook.system || webhook.skipEchoes === false) return null;
  if (!sameSystem(webhook.system, runSystem)) return null;
  return `skipped: came from ${(runSystem as string).trim()}`;
}

/** The distinct system names among `names` (first spelling kept), sorted, for a suggestion list. */
export function distinctSystems(names: ReadonlyArray<string | null | undefined>): string[] {
  const seen = new Map<string, string>();
  for (const n of names) {
    const t = n?.trim();
    if (t && !seen.has(t.toLowerCase())) seen.set(t.toLowerCase(), t);
  }
  return [...seen.values()].sort((a, b) => a.localeCompare(b));
}
