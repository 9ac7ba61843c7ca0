/**
 * Renders failure-alert mails from `views/emails/failure-alert.{html,text}.hbs` with a private
 * handlebars instance: only these trusted files are ever compiled, only built-in helpers are
 * known, and every value is data. HTML output escapes all values; the text part does not
 * (it is plain text, so escaping would only garble `&` and quotes) — instead it is rendered
 * from a copy of the view in which every value is on one line (plain-text.ts), so no title,
 * name, error or URL can add a line of its own to the mail.
 */
import fs from 'node:fs';
import path from 'node:path';
import { viewsDirectory } from '../package-files.js';
import Handlebars from 'handlebars';
import type { AlertMailView } from './alert-view.js';
import { oneLineView } from './plain-text.js';

/** Where the module's email templates live (`views/emails` at the package root). */
export const emailViewsDirectory = path.join(viewsDirectory, 'emails');

export interface RenderedMail { html: string; text: string }

export interface AlertMailRenderer {
  render(view: AlertMailView): RenderedMail;
}

/** Compiles the templates once; a missing template fails here (at install), not at the first failure. */
export function createAlertMailRenderer(opts: { directory?: string } = {}): AlertMailRenderer {
  const dir = opts.directory ?? emailViewsDirectory;
  const hbs = Handlebars.create();
  const read = (name: string) => fs.readFileSync(path.join(dir, name), 'utf8');
  const common = { knownHelpersOnly: true, strict: false } as const;
  const html = hbs.compile<AlertMailView>(read('failure-alert.html.hbs'), common);
  const text = hbs.compile<AlertMailView>(read('failure-alert.text.hbs'), { ...common, noEscape: true });
  // No prototype access: views are plain objects built by alert-view.ts.
  const runtime = { allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false };
  return {
    render(view) {
      return { html: html(view, runtime), text: text(oneLineView(view), runtime).replace(/\n{3,}/g, '\n\n').trim() + '\n' };
    },
  };
}
