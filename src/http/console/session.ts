import type { RequestHandler } from 'express';
import type { AppDeps } from '../app.ts';

// Placeholder until sessions are built: every console page is refused.
export function consoleSessionMiddleware(_deps: AppDeps): {
  session: RequestHandler;
  csrf: RequestHandler;
  member: RequestHandler;
} {
  const refuse: RequestHandler = (_req, res) => void res.status(401).type('text/plain').send('sign in\n');
  return { session: refuse, csrf: refuse, member: refuse };
}
