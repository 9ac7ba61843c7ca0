/**
 * PURE: ready-to-copy examples for one permission — the URL, a curl command, a PHP snippet in
 * the style of the Redoo seed (fields urlencoded with a trailing `&`) and an HTML `<form>` —
 * so a web developer gets a working call on the first try. A token is never known here (it is
 * shown once, at creation), so examples carry a `YOUR_TOKEN` placeholder instead.
 */
import type { Permission } from './permissions.js';
import { trimTrailingSlashes } from '../text.js';

export interface ExampleInput {
  /** Absolute short URL, e.g. `https://crm.example/wf`. */
  shortUrl: string;
  permission: Pick<Permission, 'workflowId' | 'triggerName' | 'hasToken' | 'honeypotField'>;
  /** Field names to show (the workflow's declared $env fields); default firstname/lastname/street. */
  fields?: string[];
  recordId?: number;
}

export interface Examples {
  url: string;
  curl: string;
  php: string;
  html: string;
}

const TOKEN_PLACEHOLDER = 'YOUR_TOKEN';

const sample = (name: string): string => {
  if (/mail/i.test(name)) return 'jane@example.com';
  if (/street|address/i.test(name)) return 'streetname 123';
  if (/first/i.test(name)) return 'Jane';
  if (/last|name/i.test(name)) return 'Doe';
  return 'value';
};

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const phpQuote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const htmlEscape = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function buildExamples(input: ExampleInput): Examples {
  const p = input.permission;
  const target =
    p.workflowId != null ? `workflow_id=${p.workflowId}` : `trigger=${encodeURIComponent(p.triggerName ?? '')}`;
  const base = trimTrailingSlashes(input.shortUrl);
  const url = `${base}?${target}&record_id=${input.recordId ?? 0}`;
  const tokenUrl = p.hasToken ? `${base}/${TOKEN_PLACEHOLDER}?${target}&record_id=${input.recordId ?? 0}` : url;
  const fields = (input.fields?.length ? input.fields : ['firstname', 'lastname', 'street']).slice(0, 20);
  const curl = [
    `curl -sS -X POST ${shellQuote(url)}`,
    ...(p.hasToken ? [`  -H ${shellQuote(`Authorization: Bearer ${TOKEN_PLACEHOLDER}`)}`] : []),
    ...fields.map((f) => `  --data-urlencode ${shellQuote(`${f}=${sample(f)}`)}`),
  ].join(' \\\n');
  const php = [
    `$url = ${phpQuote(tokenUrl)};`,
    '$fields = array(',
    ...fields.map((f, i) => `   ${phpQuote(f)} => ${phpQuote(sample(f))}${i < fields.length - 1 ? ',' : ''}`),
    ');',
    "$fields_string = '';",
    "foreach($fields as $key=>$value) { $fields_string .= $key.'='.urlencode($value).'&'; }",
    "rtrim($fields_string, '&');",
    '$ch = curl_init();',
    'curl_setopt($ch, CURLOPT_URL, $url);',
    'curl_setopt($ch, CURLOPT_POST, count($fields));',
    'curl_setopt($ch, CURLOPT_POSTFIELDS, $fields_string);',
    'curl_setopt($ch, CURLOPT_RETURNTRANSFER, true);',
    '$result = curl_exec($ch);',
  ].join('\n');
  const html = [
    `<form method="post" action="${htmlEscape(tokenUrl)}">`,
    ...fields.map((f) => `  <label>${htmlEscape(f)} <input name="${htmlEscape(f)}"></label>`),
    ...(p.honeypotField
      ? [
          `  <input name="${htmlEscape(p.honeypotField)}" value="" tabindex="-1" autocomplete="off" style="position:absolute;left:-9999px" aria-hidden="true">`,
        ]
      : []),
    '  <button type="submit">Send</button>',
    '</form>',
  ].join('\n');
  return { url: tokenUrl, curl, php, html };
}
