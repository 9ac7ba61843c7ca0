/**
 * Stand-ins for the outside world the demo workflows talk to (host/seed-workflows.ts), so
 * `npm start` shows a webhook succeeding without any other service:
 *
 *   POST /demo/accounting/invoices  a fake accounting system: accepts any JSON, answers
 *                                   201 { invoice_id }; keeps the last 50 in memory
 *   GET  /demo/accounting/invoices  what it received (logged-in users only)
 *   GET  /demo/thank-you            where the demo lead form sends visitors
 */
import crypto from 'node:crypto';
import express, { type Router } from 'express';
import type { HostLogger } from 'hookflow';
import { jsonErrorHandler } from './http-errors.js';
import type { Renderer } from './render.js';
import type { AuthMiddleware } from './session.js';

const KEEP = 50;

interface ReceivedInvoice {
  invoiceId: string;
  receivedAt: string;
  headers: Record<string, string>;
  body: unknown;
}

export function createDemoRouter(opts: { auth: AuthMiddleware; render: Renderer; logger: HostLogger }): Router {
  const received: ReceivedInvoice[] = [];
  const router = express.Router();

  router.post('/accounting/invoices', express.json({ limit: '100kb', type: () => true }), (req, res) => {
    const invoiceId = `INV-${crypto.randomBytes(4).toString('hex').toUpperCase()}`;
    // Only the headers a webhook receiver would look at; never cookies or authorization.
    const headers: Record<string, string> = {};
    for (const name of [
      'content-type',
      'user-agent',
      'webhook-id',
      'webhook-timestamp',
      'webhook-signature',
      'x-source',
    ]) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    received.unshift({ invoiceId, receivedAt: new Date().toISOString(), headers, body: req.body ?? null });
    received.length = Math.min(received.length, KEEP);
    opts.logger.info({ invoiceId }, 'demo accounting received an invoice request');
    res.status(201).json({ invoice_id: invoiceId });
  });

  router.get('/accounting/invoices', opts.auth.requireUser, (_req, res) => {
    res.json({ invoices: received });
  });

  router.get('/thank-you', (_req, res) => {
    opts.render(res, 'message', {
      title: 'Thank you',
      heading: 'Thank you!',
      message: 'We received your details and will be in touch.',
    });
  });

  router.use(jsonErrorHandler(opts.logger));
  return router;
}
