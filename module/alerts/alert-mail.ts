/**
 * Renders failure-alert mails — a failed delivery's from `views/emails/failure-alert.{html,text}.hbs`,
 * a failed run's from `views/emails/run-failure-alert.{html,text}.hbs` — with a private
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
import type { RunAlertMailView } from './run-alert-view.js';
import { oneLineView } from './plain-text.js';

/** Where the module's email templates live (`views/emails` at the package root). */
export const emailViewsDirectory = path.join(viewsDirectory, 'emails');

export interface RenderedMail {
  html: string;
  text: string;
}

export interface AlertMailRenderer {
  /** A failed-delivery mail. */
  render(view: AlertMailView): RenderedMail;
  /** A failed-run mail. */
  renderRun(view: RunAlertMailView): RenderedMail;
}

/** Compiles the templates once; a missing template fails here (at install), not at the first failure. */
export function createAlertMailRenderer(opts: { directory?: string } = {}): AlertMailRenderer {
  const dir = opts.directory ?? emailViewsDirectory;
  const hbs = Handlebars.create();
  const read = (name: string) => fs.readFileSync(path.join(dir, name), 'utf8');
  const common = { knownHelpersOnly: true, strict: false } as const;
  // No prototype access: views are plain objects built by alert-view.ts and run-alert-view.ts.
  const runtime = { allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false };
  const pair = <V>(name: string) => {
    const html = hbs.compile<V>(read(`${name}.html.hbs`), common);
    const text = hbs.compile<V>(read(`${name}.text.hbs`), { ...common, noEscape: true });
    return (view: V): RenderedMail => ({
      html: html(view, runtime),
      text:
        text(oneLineView(view), runtime)
          .replace(/\n{3,}/g, '\n\n')
          .trim() + '\n',
    });
  };
  const delivery = pair<AlertMailView>('failure-alert');
  const run = pair<RunAlertMailView>('run-failure-alert');
  return { render: delivery, renderRun: run };
}
