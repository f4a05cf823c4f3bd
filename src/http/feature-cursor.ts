import { isUuid } from '../domain/ids.ts';

/**
 * A features list's page cursor, as the API and the console hand it out: the sort it belongs to, the sort value of
 * the last row and its id, as base64url JSON.
 */
export interface FeatureListCursor {
  /** A number (score, counts, revenue), or a time as ISO text. */
  v: number | string;
  id: string;
}

export function encodeFeatureCursor(sort: string, cursor: FeatureListCursor): string {
  return Buffer.from(JSON.stringify({ s: sort, ...cursor })).toString('base64url');
}

/**
 * The cursor in `raw` when it is one made for `sort`, whose value is what that sort keys on: a time when
 * `timeKeyed`, else a finite number; undefined otherwise (the caller says so its own way).
 */
export function decodeFeatureCursor(
  sort: string,
  raw: string,
  timeKeyed: boolean,
): FeatureListCursor | undefined {
  try {
    const value = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Record<string, unknown>;
    const v = value['v'];
    const validValue = timeKeyed
      ? typeof v === 'string' && !Number.isNaN(Date.parse(v))
      : typeof v === 'number' && Number.isFinite(v);
    const id = value['id'];
    if (value['s'] === sort && validValue && typeof id === 'string' && isUuid(id)) {
      return { v: v as number | string, id };
    }
  } catch {
    // not a cursor of ours
  }
  return undefined;
}
