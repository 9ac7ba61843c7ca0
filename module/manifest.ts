/**
 * The manifest a host reads to install Hookflow: what hooks to call, where to mount the
 * routers, where the migrations are and what to show in the settings menu.
 */
import fs from 'node:fs';
import { z } from 'zod';
import { manifestFile } from './package-files.js';

const mountPath = z
  .string()
  .regex(/^\/[A-Za-z0-9_\-/]*$/, 'must be an absolute path like /wf')
  .refine((p) => !p.includes('//'), 'must not contain //');

export const HookflowManifest = z.object({
  name: z.string().min(1),
  version: z.string().regex(/^\d+\.\d+\.\d+/, 'must be a semantic version'),
  description: z.string().min(1),
  /** Host API versions this module works with (semver range). */
  hostApi: z.string().min(1),
  entry: z.string().min(1),
  hooks: z.array(z.enum(['record.created', 'record.updated', 'record.deleted'])).min(1),
  routes: z.object({ inbound: mountPath, admin: mountPath }),
  migrations: z.object({ directory: z.string().min(1), tableName: z.string().regex(/^hookflow_[a-z_]+$/) }),
  settings: z.object({ label: z.string().min(1), description: z.string().optional(), url: mountPath }),
});
export type HookflowManifest = z.infer<typeof HookflowManifest>;

/** Where manifest.json lives (the package root). */
export const manifestPath = manifestFile;

/** Reads and validates a manifest; throws one line naming the bad field. */
export function loadManifest(file: string = manifestPath): HookflowManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`manifest ${file}: ${(err as Error).message}`);
  }
  const parsed = HookflowManifest.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`manifest ${file}: ${issue.path.join('.') || '(root)'} ${issue.message}`);
  }
  return parsed.data;
}
