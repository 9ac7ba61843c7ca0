// PLACEHOLDER owned by the lead; replaced this session.
import express, { type Router } from 'express';
import type { InboundDeps } from './router.js';

export function createPermissionsApi(_deps: InboundDeps): Router {
  return express.Router();
}
