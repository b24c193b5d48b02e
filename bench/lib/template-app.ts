/**
 * The baseline the page benchmarks divide by: a bare Express app that renders the app's own views
 * with the view cache on, as production does, and nothing else (no middleware, no database).
 */
import path from 'node:path';
import express, { type Express } from 'express';
import { PROJECT_ROOT } from '../../src/config/environment.js';

export function templateApp(): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('view engine', 'ejs');
  app.set('views', path.join(PROJECT_ROOT, 'views'));
  app.set('view cache', true);
  app.locals.appName = '知付';
  return app;
}
