/**
 * Loads the host module named by `--host FILE`. The file (ESM or CommonJS) exports:
 *   default            () => HostContext | Promise<HostContext>   (required)
 *   installOptions     InstallOptions, or a function returning them (optional; `secretKey`
 *                      defaults to HOOKFLOW_SECRET_KEY, so the web process and the workers share it)
 *   close(host)        called after the command, e.g. to end the host's own connections
 *                      (optional; default: `host.db.destroy()`)
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { HostContext } from '../host.js';
import type { InstallOptions } from '../config.js';

export interface LoadedHost {
  host: HostContext;
  options: InstallOptions;
  close(): Promise<void>;
}

type HostModule = {
  default?: unknown;
  installOptions?: unknown;
  close?: unknown;
};

async function importHostModule(file: string): Promise<HostModule> {
  const full = path.resolve(file);
  if (!fs.existsSync(full)) throw new Error(`--host: ${full} does not exist`);
  const mod = (await import(pathToFileURL(full).href)) as HostModule;
  // A CommonJS file's `module.exports = fn` arrives as `default`; `exports.default = fn` one level deeper.
  const inner = mod.default as HostModule | undefined;
  if (typeof mod.default !== 'function' && inner && typeof inner.default === 'function') return inner;
  return mod;
}

export async function loadHostFile(file: string, env: NodeJS.ProcessEnv = process.env): Promise<LoadedHost> {
  const mod = await importHostModule(file);
  if (typeof mod.default !== 'function')
    throw new Error(`--host: ${file} must export a default function that returns your HostContext`);
  const host = (await (mod.default as () => unknown)()) as HostContext;
  const given =
    typeof mod.installOptions === 'function' ? await (mod.installOptions as () => unknown)() : mod.installOptions;
  const options = { ...((given ?? {}) as Partial<InstallOptions>) } as InstallOptions;
  if (!options.secretKey) {
    if (!env.HOOKFLOW_SECRET_KEY)
      throw new Error('HOOKFLOW_SECRET_KEY: not set; give the workers the key the web process installs Hookflow with');
    options.secretKey = env.HOOKFLOW_SECRET_KEY;
  }
  const close = async () => {
    if (typeof mod.close === 'function') await (mod.close as (h: HostContext) => unknown)(host);
    else await host?.db?.destroy?.();
  };
  return { host, options, close };
}
