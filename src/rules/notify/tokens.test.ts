import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { digestLinks, messageLinks } from './links.ts';
import { signToken, type TokenClaims, verifyToken } from './tokens.ts';

const key = randomBytes(32);
const claims: TokenClaims = {
  purpose: 'status',
  requesterId: randomUUID(),
  requestId: randomUUID(),
  featureId: randomUUID(),
  version: 3,
};

/** Flips one bit of the decoded token at `index` (negative: from the end) and re-encodes it. */
function flip(token: string, index: number): string {
  const bytes = Buffer.from(token, 'base64url');
  const at = index < 0 ? bytes.length + index : index;
  bytes[at] = (bytes[at] ?? 0) ^ 1;
  return bytes.toString('base64url');
}

describe('signToken / verifyToken', () => {
  it.each([
    ['status with request and feature', claims],
    [
      'unsubscribe with feature only',
      { purpose: 'unsubscribe', requesterId: randomUUID(), featureId: randomUUID(), version: 0 },
    ],
    [
      'requester only, large version',
      { purpose: 'unsubscribe', requesterId: randomUUID(), version: 0xffff_ffff },
    ],
  ] as const)('round-trips %s', (_name, c) => {
    const token = signToken(key, c);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(token.length).toBeLessThan(100);
    expect(verifyToken(key, token)).toEqual(c);
    expect(verifyToken(key, token, c.purpose)).toEqual(c);
  });

  const good = signToken(key, claims);
  it.each([
    ['a bit flipped in the requester id', flip(good, 5)],
    ['a bit flipped in the version', flip(good, -17)],
    ['a bit flipped in the signature', flip(good, -1)],
    ['the purpose byte changed', flip(good, 0)],
    ['truncated', good.slice(0, -4)],
    ['extended', `${good}AA`],
    ['empty', ''],
    ['not base64url', `${good.slice(0, 10)}+/=${good.slice(13)}`],
    ['a path in it', '../../etc/passwd'],
    ['very long', 'A'.repeat(5000)],
    ['signed with another key', signToken(randomBytes(32), claims)],
  ])('refuses a token %s', (_name, token) => {
    expect(verifyToken(key, token)).toBeUndefined();
  });

  it('refuses a token made for another purpose when one is asked for', () => {
    const unsubscribe = signToken(key, { ...claims, purpose: 'unsubscribe' });
    expect(verifyToken(key, unsubscribe, 'status')).toBeUndefined();
    expect(verifyToken(key, good, 'unsubscribe')).toBeUndefined();
    expect(verifyToken(key, unsubscribe, 'unsubscribe')?.purpose).toBe('unsubscribe');
  });

  it('carries the token version, so a bumped requester version can revoke it', () => {
    const old = verifyToken(key, signToken(key, { ...claims, version: 1 }));
    const current = 2;
    expect(old?.version).toBe(1);
    expect((old?.version ?? 0) < current).toBe(true);
    // Same claims, new version: a different token, so an old link cannot be turned into a new one.
    expect(signToken(key, { ...claims, version: 2 })).not.toBe(signToken(key, { ...claims, version: 1 }));
  });

  it('is deterministic for the same claims and unguessable across requesters', () => {
    expect(signToken(key, claims)).toBe(good);
    const other = signToken(key, { ...claims, requesterId: randomUUID() });
    expect(other.slice(-22)).not.toBe(good.slice(-22));
  });

  it('refuses to sign ids that are not UUIDs or a bad version', () => {
    expect(() => signToken(key, { ...claims, requesterId: 'r1' })).toThrow(/requesterId must be a UUID/);
    expect(() => signToken(key, { ...claims, version: -1 })).toThrow(/version/);
  });
});

describe('messageLinks', () => {
  it('makes the status page, unsubscribe page and one-click URLs under the public URL', () => {
    const links = messageLinks({
      publicUrl: 'https://sync.example.com/',
      key,
      requesterId: claims.requesterId,
      tokenVersion: 3,
      requestId: claims.requestId ?? '',
      featureId: claims.featureId ?? '',
    });
    const status = /^https:\/\/sync\.example\.com\/r\/([A-Za-z0-9_-]+)$/.exec(links.statusPage)?.[1] ?? '';
    const unsub =
      /^https:\/\/sync\.example\.com\/unsubscribe\/([A-Za-z0-9_-]+)$/.exec(links.unsubscribe)?.[1] ?? '';
    expect(verifyToken(key, status, 'status')).toEqual(claims);
    expect(verifyToken(key, unsub, 'unsubscribe')).toEqual({ ...claims, purpose: 'unsubscribe' });
    expect(links.oneClickUnsubscribe).toBe(`${links.unsubscribe}/one-click`);
  });

  it('digest links name the requester and no feature (one-click stops all mail)', () => {
    const links = digestLinks({
      publicUrl: 'https://sync.example.com',
      key,
      requesterId: claims.requesterId,
      tokenVersion: 3,
    });
    const token = /\/unsubscribe\/([A-Za-z0-9_-]+)$/.exec(links.unsubscribe)?.[1] ?? '';
    expect(verifyToken(key, token, 'unsubscribe')).toEqual({
      purpose: 'unsubscribe',
      requesterId: claims.requesterId,
      version: 3,
    });
    expect(links.oneClickUnsubscribe).toBe(`${links.unsubscribe}/one-click`);
  });
});
