/** Renders an admin page to HTML with the real templates and task form views, as a route would. */
import type { Request, Response } from 'express';
import { createPageRenderer, type TaskFormView } from '../../../module/admin/pages/render.js';
import { createTaskRegistry } from '../../../module/workflows/tasks/index.js';

/** A renderer over `taskTypes` (default the registry); the returned function renders `view` with `data`. */
export function pageRenderer(taskTypes: ReadonlyMap<string, TaskFormView> = createTaskRegistry()) {
  const render = createPageRenderer({ csrfToken: () => 'token', taskTypes });
  return (view: string, data: Record<string, unknown>): string => {
    let body = '';
    const res = {
      locals: { hfBase: '/admin' },
      status() {
        return this;
      },
      set() {
        return this;
      },
      type() {
        return this;
      },
      send(b: string) {
        body = b;
        return this;
      },
    };
    render({ query: {}, baseUrl: '/admin' } as unknown as Request, res as unknown as Response, view, {
      title: 'x',
      ...data,
    });
    return body;
  };
}
