#!/usr/bin/env node
/**
 * The build's second step (after tsc): copies every .hbs under module/ to the same place under
 * dist/module/. A task type's form view lives in its folder beside its task.ts, which finds it
 * from its own import.meta.url — so the built task.js needs its form.hbs right beside it.
 * tsc copies no views itself. Prints how many it copied.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Relative paths (under module/) of the .hbs files. */
function views(dir, rel = '') {
  return fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((e) => {
    const r = path.join(rel, e.name);
    return e.isDirectory() ? views(dir, r) : e.name.endsWith('.hbs') ? [r] : [];
  });
}

/** Copies module/**.hbs into dist/module/; returns the relative paths copied. */
export function copyModuleViews(from = path.join(root, 'module'), to = path.join(root, 'dist/module')) {
  const copied = views(from);
  for (const rel of copied) {
    fs.mkdirSync(path.dirname(path.join(to, rel)), { recursive: true });
    fs.copyFileSync(path.join(from, rel), path.join(to, rel));
  }
  return copied;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  console.log(`copy-views: ${copyModuleViews().length} views from module/ to dist/module/`);
}
