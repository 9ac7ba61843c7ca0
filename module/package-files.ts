/**
 * Where the package's non-code files are: `views/`, `manifest.json` and the migrations.
 * The same code runs from sources (`module/x.ts`, tests and the reference host) and from the
 * build a host installs (`dist/module/x.js`), so paths are found from the package root rather
 * than from a fixed number of `../` that is right for only one of the two layouts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The package root: the nearest folder at or above this file's folder that holds manifest.json. */
function findPackageRoot(start: string): string {
  for (let dir = start, i = 0; i < 5; i++, dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'manifest.json')) && fs.existsSync(path.join(dir, 'views'))) return dir;
  }
  throw new Error(`hookflow: cannot find the package root (manifest.json and views/) above ${start}`);
}

export const packageRoot = findPackageRoot(here);

/** `views/` at the package root (handlebars views of the admin pages, mails and inbound answers). */
export const viewsDirectory = path.join(packageRoot, 'views');

/** The package's manifest.json. */
export const manifestFile = path.join(packageRoot, 'manifest.json');

/**
 * Compiled migrations sit next to the compiled module (`dist/migrations` beside `dist/module`);
 * from sources they are `migrations/` beside `module/`.
 */
export const migrationsDirectory = path.resolve(here, '../migrations');
