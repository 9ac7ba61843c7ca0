/**
 * Which language and time zone one recipient's failure-alert mail is written in: pure, from the
 * user's optional `locale` (BCP 47) and `timeZone` (IANA) on HostUser, with fallbacks.
 *
 * Rules: no locale → English, silently; a tag that is no BCP 47 tag, or names a language without
 * a catalogue (messages/) → English with a warning; a supported language in any region (`de-AT`,
 * `de-CH`) → that language's catalogue, numbers and dates formatted for the full tag. No time zone
 * → UTC, silently; an id Intl does not know → UTC with a warning; a known one is used in its
 * canonical spelling (`europe/berlin` → `Europe/Berlin`). Warnings go to the injected logger.
 */
import type { HostLogger } from '../host.js';
import { de } from './messages/de.js';
import { en, type AlertMessages } from './messages/en.js';

/** The catalogues by language subtag. */
export const ALERT_CATALOGUES: Readonly<Record<string, AlertMessages>> = { en, de };

export interface AlertLocale {
  /** The catalogue's language, e.g. `de`. */
  language: string;
  /** The tag Intl formats with, e.g. `de-AT`; `en` on fallback. */
  locale: string;
  /** IANA id; `UTC` on fallback. */
  timeZone: string;
  messages: AlertMessages;
}

/** English in UTC: what a user without (usable) preferences gets. */
export const DEFAULT_ALERT_LOCALE: AlertLocale = { language: 'en', locale: 'en', timeZone: 'UTC', messages: en };

export interface LocalePreference {
  locale?: string | null;
  timeZone?: string | null;
}

type Warn = Pick<HostLogger, 'warn'>;

function blank(value: string | null | undefined): value is null | undefined | '' {
  return value === undefined || value === null || value.trim() === '';
}

/** The canonical tag, or null when `tag` is no well-formed BCP 47 language tag. */
function canonicalTag(tag: string): string | null {
  try {
    return Intl.getCanonicalLocales(tag.trim())[0] ?? null;
  } catch {
    return null;
  }
}

/** The canonical IANA id, or null when Intl knows no such zone. */
export function canonicalTimeZone(zone: string): string | null {
  try {
    return new Intl.DateTimeFormat('en', { timeZone: zone.trim() }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

function resolveLanguage(locale: string | null | undefined, logger: Warn, context: object) {
  if (blank(locale)) return { language: 'en', locale: 'en' };
  const tag = canonicalTag(locale);
  const language = tag === null ? null : new Intl.Locale(tag).language;
  if (tag !== null && language !== null && Object.hasOwn(ALERT_CATALOGUES, language)) return { language, locale: tag };
  const why = tag === null ? 'not a BCP 47 language tag' : `no catalogue for language ${language}`;
  logger.warn({ ...context, locale, reason: why }, 'failure alert: unknown locale; writing in English');
  return { language: 'en', locale: 'en' };
}

function resolveZone(timeZone: string | null | undefined, logger: Warn, context: object): string {
  if (blank(timeZone)) return 'UTC';
  const zone = canonicalTimeZone(timeZone);
  if (zone !== null) return zone;
  logger.warn({ ...context, timeZone }, 'failure alert: unknown time zone; showing times in UTC');
  return 'UTC';
}

/** The language, formatting tag and zone for one recipient; never throws. `context` goes into warnings. */
export function resolveAlertLocale(pref: LocalePreference, logger: Warn, context: object = {}): AlertLocale {
  const { language, locale } = resolveLanguage(pref.locale, logger, context);
  const timeZone = resolveZone(pref.timeZone, logger, context);
  return { language, locale, timeZone, messages: ALERT_CATALOGUES[language] };
}
