import type { AddressInfo } from 'node:net';
import express, { type RequestHandler } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mountRoutes, type RouteMiddleware } from '../src/http/mount-routes.ts';
import { interactiveWork } from '../src/http/request-context.ts';
import { currentWorkClass, type WorkClass } from '../src/store/work-class.ts';

/**
 * The app runs every request as interactive work (`interactiveWork`, store/work-class.ts), so that on PGlite an HTTP
 * request's statements go before a triage backlog's: from the auth check on, and in the handler after a JSON body
 * was parsed from the stream.
 */

const seen: Array<{ where: string; workClass: WorkClass | undefined }> = [];
const record =
  (where: string): RequestHandler =>
  (_req, _res, next) => {
    seen.push({ where, workClass: currentWorkClass() });
    next();
  };
const pass: RequestHandler = (_req, _res, next) => next();
const middleware: RouteMiddleware = {
  auth: {
    apiKey: [record('auth')],
    adminToken: [pass],
    webhookSignature: [pass],
    session: [pass],
    none: [pass],
  },
  csrf: pass,
  member: pass,
  rateLimit: { intake: pass, pages: pass },
  jsonBodyLimitBytes: 64 * 1024,
};

let url: string;
let close: () => Promise<void>;
beforeAll(async () => {
  const app = express();
  app.use(interactiveWork);
  const handled = async (where: string, res: express.Response) => {
    // After an await, as a handler's statements run.
    await new Promise((resolve) => setImmediate(resolve));
    seen.push({ where, workClass: currentWorkClass() });
    res.status(204).end();
  };
  mountRoutes(
    app,
    {
      listFeatures: (_input, _req, res) => handled('list', res),
      submitRequest: (_input, _req, res) => handled('submit', res),
    },
    middleware,
  );
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => new Promise((resolve) => server.close(() => resolve()));
});
afterAll(() => close());

describe('HTTP routes as interactive work', () => {
  it('runs a read, from its auth check to its handler, as interactive work', async () => {
    seen.length = 0;
    const res = await fetch(`${url}/v1/features`);
    expect(res.status).toBe(204);
    expect(seen).toEqual([
      { where: 'auth', workClass: 'interactive' },
      { where: 'list', workClass: 'interactive' },
    ]);
  });

  it('keeps the class in the handler after a JSON body was read from the stream', async () => {
    seen.length = 0;
    const res = await fetch(`${url}/v1/requests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Dark mode', requester: { email: 'ana@example.com' } }),
    });
    expect(seen.at(-1)).toEqual({ where: 'submit', workClass: 'interactive' });
    expect(res.status).toBe(204);
  });
});
