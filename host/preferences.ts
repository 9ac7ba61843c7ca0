/**
 * A user's own preferences as the API takes them (`PATCH /api/me`): the language and time zone
 * Hookflow's failure mails are written in (HostUser.locale / timeZone). Checked with a strict
 * zod schema: unknown keys, a malformed BCP 47 tag or a zone Intl does not know are a 422 naming
 * the field. A well-formed tag Hookflow has no catalogue for is accepted (its mails fall back to
 * English and log a warning). Values are stored canonical (`de-at` → `de-AT`,
 * `europe/berlin` → `Europe/Berlin`); null clears one.
 */
import { z } from 'zod';
import { HookflowError, type FieldErrors } from 'hookflow';
import type { UserPreferences } from './users.js';

function canonicalLocale(tag: string): string | null {
  try {
    return Intl.getCanonicalLocales(tag)[0] ?? null;
  } catch {
    return null;
  }
}

function canonicalZone(zone: string): string | null {
  try {
    return new Intl.DateTimeFormat('en', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

const localeField = z
  .string()
  .trim()
  .min(1, 'must not be empty; send null to clear it')
  .max(35, 'must be at most 35 characters')
  .refine((v) => canonicalLocale(v) !== null, 'must be a BCP 47 language tag, e.g. de-DE')
  .transform((v) => canonicalLocale(v)!);

const timeZoneField = z
  .string()
  .trim()
  .min(1, 'must not be empty; send null to clear it')
  .max(64, 'must be at most 64 characters')
  .refine((v) => canonicalZone(v) !== null, 'must be an IANA time zone, e.g. Europe/Berlin')
  .transform((v) => canonicalZone(v)!);

const preferencesSchema = z.strictObject({
  locale: localeField.nullable().optional(),
  timeZone: timeZoneField.nullable().optional(),
});

/** The checked preferences, or a HookflowError: 400 for a body that is no object, 422 naming each bad field. */
export function parseUserPreferences(body: unknown): UserPreferences {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new HookflowError('bad_request', 'Body must be a JSON object like { "locale": "de-DE" }');
  const result = preferencesSchema.safeParse(body);
  if (result.success) return result.data;
  const fields: FieldErrors = {};
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys') for (const key of issue.keys) fields[key] = 'unknown property';
    else fields[String(issue.path[0] ?? 'body')] ??= issue.message;
  }
  throw new HookflowError('validation_failed', 'Bad preferences', fields);
}
