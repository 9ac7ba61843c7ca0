/** What every page area gets: the install deps, the renderer and the mount path. */
import type { Response } from 'express';
import type { AdminPagesDeps } from './index.js';
import type { PageRenderer } from './render.js';

export interface PagesContext {
  deps: AdminPagesDeps;
  render: PageRenderer;
  /** Where the admin router is mounted (e.g. `/settings/hookflow`), for links and redirects. */
  base(res: Response): string;
}

/** The acting admin's id (set by the host's requireAdmin), or null. */
export function actorId(res: Response): number | null {
  const id = (res.locals as { user?: { id?: unknown } }).user?.id;
  return typeof id === 'number' ? id : null;
}
