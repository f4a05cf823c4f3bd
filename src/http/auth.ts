import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { HttpProblem } from './problem.ts';

const sha256 = (value: string) => createHash('sha256').update(value).digest();

/** A short, stable, non-reversible name for a key: what logs, rate limits and idempotency scopes use. */
function keyId(key: string): string {
  return sha256(key).toString('hex').slice(0, 12);
}

declare module 'express-serve-static-core' {
  interface Request {
    /** Id (not the value) of the API key that authenticated this request. */
    apiKeyId?: string;
  }
}

/**
 * `Authorization: Bearer <key>` against the configured keys. Digests are compared with timingSafeEqual, and every
 * key is compared so the time taken does not depend on which key (if any) matched.
 */
export function requireApiKey(keys: readonly string[]): RequestHandler {
  const digests = keys.map((k) => ({ digest: sha256(k), id: keyId(k) }));
  return (req, _res, next) => {
    const header = req.get('authorization');
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match?.[1]) {
      throw new HttpProblem(
        401,
        'unauthorized',
        'Unauthorized',
        'send an API key as "Authorization: Bearer <key>"',
        {},
        {
          'WWW-Authenticate': 'Bearer',
        },
      );
    }
    const presented = sha256(match[1]);
    let found: string | undefined;
    for (const { digest, id } of digests) {
      if (timingSafeEqual(presented, digest) && found === undefined) found = id;
    }
    if (!found) {
      throw new HttpProblem(
        401,
        'unauthorized',
        'Unauthorized',
        'the API key is not valid',
        {},
        {
          'WWW-Authenticate': 'Bearer error="invalid_token"',
        },
      );
    }
    req.apiKeyId = found;
    next();
  };
}

/** Admin endpoints: `Authorization: Bearer <ADMIN_TOKEN>`. A valid API key is known but not allowed (403). */
export function requireAdmin(adminToken: string | undefined, apiKeys: readonly string[]): RequestHandler {
  const admin = adminToken ? sha256(adminToken) : undefined;
  const apiKeyCheck = requireApiKey(apiKeys);
  return (req, res, next) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
    if (admin && match?.[1] && timingSafeEqual(sha256(match[1]), admin)) return next();
    // Not the admin token: tell an API-key holder they lack the right (403), anyone else to authenticate (401).
    apiKeyCheck(req, res, () => {
      throw new HttpProblem(
        403,
        'forbidden',
        'Forbidden',
        admin ? 'this endpoint needs the admin token' : 'set ADMIN_TOKEN to use admin endpoints',
      );
    });
  };
}
