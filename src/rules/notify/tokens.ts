import { createHmac, timingSafeEqual } from 'node:crypto';
import { isUuid } from '../../domain/ids.ts';

/**
 * Bearer tokens for the status page and unsubscribe links. They never expire (a years-old email must still work)
 * but are revoked by bumping `requesters.token_version`: a token carrying an older version is refused.
 *
 * Layout, base64url: [format+purpose byte][flags byte][requester uuid][request uuid?][feature uuid?][version u32]
 * followed by a 128-bit truncated HMAC-SHA256 over everything before it. Binary keeps the URL short (~90 chars).
 */
export interface TokenClaims {
  purpose: 'status' | 'unsubscribe';
  requesterId: string;
  requestId?: string;
  featureId?: string;
  /** `requesters.token_version` when the token was made. */
  version: number;
}

const FORMAT = 1;
const PURPOSES = ['status', 'unsubscribe'] as const;
const MAC_BYTES = 16;
const HAS_REQUEST = 1;
const HAS_FEATURE = 2;

function uuidBytes(id: string, what: string): Buffer {
  if (!isUuid(id)) throw new Error(`${what} must be a UUID to be put in a token`);
  return Buffer.from(id.replaceAll('-', ''), 'hex');
}

function uuidString(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function mac(key: Buffer, payload: Buffer): Buffer {
  return createHmac('sha256', key).update(payload).digest().subarray(0, MAC_BYTES);
}

export function signToken(key: Buffer, claims: TokenClaims): string {
  if (!Number.isInteger(claims.version) || claims.version < 0 || claims.version > 0xffff_ffff) {
    throw new Error('token version must be an integer from 0 to 2^32-1');
  }
  const parts: Buffer[] = [
    Buffer.from([(FORMAT << 4) | PURPOSES.indexOf(claims.purpose)]),
    Buffer.from([(claims.requestId ? HAS_REQUEST : 0) | (claims.featureId ? HAS_FEATURE : 0)]),
    uuidBytes(claims.requesterId, 'requesterId'),
  ];
  if (claims.requestId) parts.push(uuidBytes(claims.requestId, 'requestId'));
  if (claims.featureId) parts.push(uuidBytes(claims.featureId, 'featureId'));
  const version = Buffer.alloc(4);
  version.writeUInt32BE(claims.version);
  parts.push(version);
  const payload = Buffer.concat(parts);
  return Buffer.concat([payload, mac(key, payload)]).toString('base64url');
}

/**
 * The claims of a token this key signed, or undefined for anything else (tampered, truncated, another key, junk).
 * With `purpose`, a token made for another purpose is refused too. Revocation (the version) is the caller's check:
 * it needs the requester's row.
 */
export function verifyToken(
  key: Buffer,
  token: string,
  purpose?: TokenClaims['purpose'],
): TokenClaims | undefined {
  if (token.length > 200 || !/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
  const bytes = Buffer.from(token, 'base64url');
  if (bytes.length < 2 + 16 + 4 + MAC_BYTES) return undefined;
  const payload = bytes.subarray(0, bytes.length - MAC_BYTES);
  const given = bytes.subarray(bytes.length - MAC_BYTES);
  // Both are MAC_BYTES long here, as timingSafeEqual requires.
  if (!timingSafeEqual(given, mac(key, payload))) return undefined;
  // Re-encoding must give the same text: base64url has several spellings of the last character.
  if (bytes.toString('base64url') !== token) return undefined;

  const head = payload[0] ?? 0;
  const flags = payload[1] ?? 0;
  const kind = PURPOSES[head & 0x0f];
  if (head >> 4 !== FORMAT || kind === undefined || (flags & ~(HAS_REQUEST | HAS_FEATURE)) !== 0) {
    return undefined;
  }
  const expected = 2 + 16 + (flags & HAS_REQUEST ? 16 : 0) + (flags & HAS_FEATURE ? 16 : 0) + 4;
  if (payload.length !== expected) return undefined;
  if (purpose !== undefined && kind !== purpose) return undefined;

  let at = 2;
  const take = () => {
    at += 16;
    return uuidString(payload.subarray(at - 16, at));
  };
  const claims: TokenClaims = { purpose: kind, requesterId: take(), version: 0 };
  if (flags & HAS_REQUEST) claims.requestId = take();
  if (flags & HAS_FEATURE) claims.featureId = take();
  claims.version = payload.readUInt32BE(at);
  return claims;
}
