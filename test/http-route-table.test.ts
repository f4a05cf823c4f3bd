import { METHODS as HTTP_METHODS } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.ts';
import { type AppDeps, createApp } from '../src/http/app.ts';
import { createLogger } from '../src/log.ts';
import { createMetrics } from '../src/metrics.ts';
import { sharedRedisUrl } from './helpers/redis.ts';

/**
 * The route table against what the app really does: every route mounted on the express app is in /openapi.json
 * and every documented operation is mounted, and a wrong method on each documented path answers 405 naming the
 * methods there. No request reaches a handler, so the app's store, queues and trackers are stand-ins.
 */

const apiKey = 'route-table-api-key';
const adminToken = 'route-table-admin-token';
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

interface OpenApiDocument {
  security?: Array<Record<string, unknown>>;
  paths: Record<
    string,
    Partial<Record<(typeof METHODS)[number], { security?: Array<Record<string, unknown>> }>>
  >;
  components: { securitySchemes: Record<string, { type: string; scheme: string }> };
}

let redis: Redis;
let app: Express;
let url: string;
let close: () => Promise<void>;
let doc: OpenApiDocument;

beforeAll(async () => {
  const config = loadConfig({
    env: {
      NODE_ENV: 'test',
      REDIS_URL: sharedRedisUrl,
      API_KEYS: apiKey,
      ADMIN_TOKEN: adminToken,
      DATA_DIR: '/tmp/route-table-test',
    },
    readFile: () => '',
  });
  redis = new Redis(sharedRedisUrl, { lazyConnect: true });
  const standIn = {} as never;
  const deps: AppDeps = {
    config,
    apiKeys: [apiKey],
    store: { db: standIn } as unknown as AppDeps['store'],
    application: standIn,
    queues: standIn,
    redis,
    trackers: standIn,
    sources: { all: () => [], get: () => undefined } as unknown as AppDeps['sources'],
    writeIntake: standIn,
    route: undefined,
    metrics: createMetrics(),
    log: createLogger({ level: 'silent' }),
    version: 'test',
    reconcile: async () => ({}),
    apiRoutes: true,
  };
  app = await createApp(deps);
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => new Promise((resolve) => server.close(() => resolve()));
  doc = (await (await fetch(`${url}/openapi.json`)).json()) as OpenApiDocument;
});

afterAll(async () => {
  await close?.();
  redis?.disconnect();
});

/** `METHOD /path/{param}` for each route of the app (405 catch-alls aside), nested routers included. */
function mountedRoutes(stack: unknown[]): string[] {
  const out: string[] = [];
  for (const layer of stack as Array<{
    route?: { path: string | string[]; methods: Record<string, boolean> };
    handle?: { stack?: unknown[] };
  }>) {
    if (layer.route) {
      // A route for every method is a 405 catch-all (express 5 lists each method; express 4 said `_all`).
      const methods = Object.keys(layer.route.methods);
      if (layer.route.methods['_all'] || methods.length >= HTTP_METHODS.length) continue;
      const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
      for (const path of paths) {
        for (const [method, on] of Object.entries(layer.route.methods)) {
          if (on) out.push(`${method.toUpperCase()} ${path.replace(/:(\w+)/g, '{$1}')}`);
        }
      }
    } else if (layer.handle?.stack) {
      out.push(...mountedRoutes(layer.handle.stack));
    }
  }
  return out;
}

function documentedRoutes(): string[] {
  return Object.entries(doc.paths).flatMap(([path, operations]) =>
    METHODS.filter((m) => operations[m]).map((m) => `${m.toUpperCase()} ${path}`),
  );
}

/** The credentials an operation's security (or the document's) asks for. */
function credentials(security: Array<Record<string, unknown>> | undefined): Record<string, string> {
  const scheme = Object.keys(security?.[0] ?? {})[0];
  if (scheme === 'apiKey') return { authorization: `Bearer ${apiKey}` };
  if (scheme === 'adminToken') return { authorization: `Bearer ${adminToken}` };
  return {};
}

describe('the route table', () => {
  it('documents every mounted route, and mounts every documented one', () => {
    const mounted = mountedRoutes((app as unknown as { router: { stack: unknown[] } }).router.stack);
    expect(new Set(mounted).size, 'a route mounted twice').toBe(mounted.length);
    // The console (and `/`, which leads to it) is for people in a browser: mounted, but no contract for machines.
    const forMachines = mounted.filter((r) => r !== 'GET /' && !/^\w+ \/console(\/|$)/.test(r));
    expect(forMachines.sort()).toEqual(documentedRoutes().sort());
    expect(mounted).toContain('GET /console/assets/{name}');
    // The API itself, the operations endpoints, the webhooks and the requester pages are all in it.
    for (const route of [
      'POST /v1/requests',
      'GET /v1/review',
      'POST /v1/review/{id}/dismiss',
      'POST /v1/features/{id}/merge',
      'POST /v1/features/{id}/unmerge',
      'POST /v1/admin/reconcile',
      'POST /webhooks/{provider}/{site}',
      'GET /unsubscribe/{token}',
      'GET /openapi.json',
    ]) {
      expect(mounted, route).toContain(route);
    }
  });

  it('says how each operation is authenticated', () => {
    expect(doc.components.securitySchemes['apiKey']).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.securitySchemes['adminToken']).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.paths['/v1/review']?.get?.security).toEqual([{ apiKey: [] }]);
    expect(doc.paths['/v1/requesters/{id}']?.delete?.security).toEqual([{ adminToken: [] }]);
    expect(doc.paths['/healthz']?.get?.security).toEqual([]);
    expect(doc.paths['/webhooks/{provider}']?.post?.security).toEqual([]);
  });

  it('answers a wrong method on every documented path with 405 and Allow', async () => {
    for (const [path, operations] of Object.entries(doc.paths)) {
      const methods = METHODS.filter((m) => operations[m]).map((m) => m.toUpperCase());
      const allow = methods.includes('GET') ? [...methods, 'HEAD'] : methods;
      const wrong = ['PUT', 'PATCH', 'DELETE', 'POST'].find((m) => !methods.includes(m)) ?? 'OPTIONS';
      const concrete = path.replace(/\{\w+\}/g, '00000000-0000-4000-8000-000000000000');
      const operation = Object.values(operations)[0];
      const res = await fetch(`${url}${concrete}`, {
        method: wrong,
        headers: credentials(operation?.security ?? doc.security),
      });
      expect(res.status, `${wrong} ${path}`).toBe(405);
      expect(res.headers.get('allow')?.split(', ').sort(), `${wrong} ${path}`).toEqual(allow.sort());
      expect(res.headers.get('content-type'), `${wrong} ${path}`).toMatch(/^application\/problem\+json/);
    }
  });
});
