/**
 * The options install() is called with, validated before anything starts (config.ts has the
 * schema and its defaults).
 */
import { InstallOptions } from './config.js';
import { HookflowError } from './errors.js';

/** Validates install options; a bad option stops start-up with a message naming it. */
export function parseInstallOptions(raw: InstallOptions): InstallOptions & { settings: Record<string, unknown> } {
  const parsed = InstallOptions.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new HookflowError('bad_request', `Hookflow option ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}
