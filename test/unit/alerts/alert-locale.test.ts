import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_ALERT_LOCALE,
  resolveAlertLocale,
  type LocalePreference,
} from '../../../module/alerts/alert-locale.js';
import {
  formatAlertNumber,
  formatAlertTime,
  formatMessage,
  formatMessageParts,
  textLabels,
} from '../../../module/alerts/alert-format.js';
import { de } from '../../../module/alerts/messages/de.js';
import { en } from '../../../module/alerts/messages/en.js';

// 20:44:56 UTC on 1 Dec (winter: Berlin is UTC+1) and on 1 Jul (summer: UTC+2).
const WINTER = Date.UTC(2026, 11, 1, 20, 44, 56);
const SUMMER = Date.UTC(2026, 6, 1, 20, 44, 56);

function resolve(pref: LocalePreference) {
  const warnings: Array<{ obj: Record<string, unknown>; msg?: string }> = [];
  const logger = { warn: (obj: object, msg?: string) => warnings.push({ obj: obj as Record<string, unknown>, msg }) };
  return { loc: resolveAlertLocale(pref, logger, { userId: 7 }), warnings };
}

describe('resolveAlertLocale, rule by rule', () => {
  test('no locale and no zone: English in UTC, no warning', () => {
    for (const pref of [{}, { locale: null, timeZone: null }, { locale: '', timeZone: ' ' }]) {
      const { loc, warnings } = resolve(pref);
      assert.deepEqual(
        { language: loc.language, locale: loc.locale, timeZone: loc.timeZone },
        { language: 'en', locale: 'en', timeZone: 'UTC' },
      );
      assert.equal(loc.messages, en);
      assert.equal(warnings.length, 0);
    }
  });

  test('de-DE: the German catalogue, formatted for de-DE', () => {
    const { loc, warnings } = resolve({ locale: 'de-DE', timeZone: 'Europe/Berlin' });
    assert.equal(loc.language, 'de');
    assert.equal(loc.locale, 'de-DE');
    assert.equal(loc.timeZone, 'Europe/Berlin');
    assert.equal(loc.messages, de);
    assert.equal(warnings.length, 0);
  });

  test('de-AT (any region, any case) gets the German catalogue', () => {
    const { loc } = resolve({ locale: 'DE-at' });
    assert.equal(loc.messages, de);
    assert.equal(loc.locale, 'de-AT');
  });

  test('en-GB keeps English, formatted for en-GB', () => {
    const { loc, warnings } = resolve({ locale: 'en-GB' });
    assert.equal(loc.messages, en);
    assert.equal(loc.locale, 'en-GB');
    assert.equal(warnings.length, 0);
  });

  test('a well-formed tag without a catalogue (fr-FR) falls back to English with a warning', () => {
    const { loc, warnings } = resolve({ locale: 'fr-FR' });
    assert.equal(loc.messages, en);
    assert.equal(loc.locale, 'en');
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0].obj.locale, 'fr-FR');
    assert.equal(warnings[0].obj.userId, 7);
    assert.match(warnings[0].msg ?? '', /unknown locale/);
  });

  test('no BCP 47 tag at all falls back to English with a warning', () => {
    const { loc, warnings } = resolve({ locale: 'not a locale!' });
    assert.equal(loc.messages, en);
    assert.equal(warnings.length, 1);
    assert.match(String(warnings[0].obj.reason), /BCP 47/);
  });

  test('an invalid time zone falls back to UTC with a warning; the language stays', () => {
    const { loc, warnings } = resolve({ locale: 'de-DE', timeZone: 'Mars/Olympus_Mons' });
    assert.equal(loc.timeZone, 'UTC');
    assert.equal(loc.messages, de);
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0].obj.timeZone, 'Mars/Olympus_Mons');
    assert.match(warnings[0].msg ?? '', /time zone/);
  });

  test('a zone in other case is used in its canonical spelling', () => {
    assert.equal(resolve({ timeZone: 'europe/berlin' }).loc.timeZone, 'Europe/Berlin');
  });
});

describe('alert formatting', () => {
  const berlin = resolve({ locale: 'de-DE', timeZone: 'Europe/Berlin' }).loc;
  test('English in UTC: the ISO-like time with the zone', () => {
    assert.equal(formatAlertTime(WINTER, DEFAULT_ALERT_LOCALE), '2026-12-01 20:44:56 UTC');
  });
  test('English in another zone: local time and the zone’s short name', () => {
    const ny = resolve({ locale: 'en-US', timeZone: 'America/New_York' }).loc;
    assert.equal(formatAlertTime(WINTER, ny), '2026-12-01 15:44:56 EST');
  });
  test('German in Berlin: local time, MEZ in winter and MESZ in summer', () => {
    assert.equal(formatAlertTime(WINTER, berlin), '01.12.2026, 21:44:56 MEZ');
    assert.equal(formatAlertTime(SUMMER, berlin), '01.07.2026, 22:44:56 MESZ');
  });
  test('an unknown time in the recipient’s language', () => {
    assert.equal(formatAlertTime(null, berlin), 'unbekannt');
    assert.equal(formatAlertTime(null, DEFAULT_ALERT_LOCALE), 'unknown');
  });
  test('numbers in the locale', () => {
    assert.equal(formatAlertNumber(1234, berlin), '1.234');
    assert.equal(formatAlertNumber(1234, DEFAULT_ALERT_LOCALE), '1,234');
  });
  test('messages fill their placeholders; parts mark only the strong keys', () => {
    assert.equal(formatMessage('Hallo {name}, {x}', { name: 'Grete' }), 'Hallo Grete, {x}');
    assert.deepEqual(formatMessageParts('{count} of {title}.', { count: 2, title: 'W' }, ['title']), [
      { text: '2', strong: false },
      { text: ' of ', strong: false },
      { text: 'W', strong: true },
      { text: '.', strong: false },
    ]);
  });
  test('text labels line up at one width, at least the English one', () => {
    assert.deepEqual(textLabels(en, ['attempts', 'lastResult']), {
      attempts: 'Attempts:   ',
      lastResult: 'Last result:',
    });
    assert.deepEqual(textLabels(de, ['attempts', 'failedAt']), {
      attempts: 'Versuche:         ',
      failedAt: 'Fehlgeschlagen am:',
    });
  });
  test('German has exactly the English keys', () => {
    assert.deepEqual(Object.keys(de).sort(), Object.keys(en).sort());
  });
});
