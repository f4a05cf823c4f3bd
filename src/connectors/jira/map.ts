import { createHash } from 'node:crypto';
import { cutText } from '../../domain/text.ts';
import type { IssueMarks, TrackerIssueState } from '../../domain/tracker.ts';
import { jiraSpec } from './spec.ts';

/** Jira's JSON → our shapes, and the small text formats Jira wants from us (JQL literals, issue refs). Pure. */

/** Which Jira site an issue belongs to: our name for it and its URL. */
export interface JiraSiteRef {
  site: string;
  host: string;
}

/**
 * The fields every read asks for: enough for a TrackerIssueState (id and key always come), and labels for the mark
 * label of issues created before the mark became the entity property alone.
 */
export const STATE_FIELDS = ['status', 'updated', 'issuelinks', 'labels'] as const;

/**
 * The issue property naming the feature and its link's idempotency key: the link's mark on its issue (set atomically
 * with the create, or by `ensureLinkBack`). Not shown to people, and not searchable by JQL without an app descriptor.
 */
export const ISSUE_PROPERTY = 'suggested-sync';
const MARK_LABEL_PREFIX = 'suggested-sync-';

export class JiraShapeError extends Error {
  override readonly name = 'JiraShapeError';
}

export function normalizeHost(host: string): string {
  return host.replace(/\/+$/, '');
}

export function issueUrl(host: string, key: string): string {
  return `${normalizeHost(host)}/browse/${encodeURIComponent(key)}`;
}

/** A line break of any kind, with the spaces around it. */
const LINE_BREAK = /\s*(?:\r\n|[\n\r\v\f\u0085\u2028\u2029])\s*/g;

/**
 * A title as a Jira summary: one line, since Jira refuses a summary with a line break ("The summary is invalid
 * because it contains newline characters."); at most jiraSpec.summaryMaxLength UTF-16 units, as Jira (Java) counts, cut between
 * code points so an emoji is never split into a lone surrogate.
 */
export function jiraSummary(title: string): string {
  const line = title.replace(LINE_BREAK, ' ').trim();
  return cutText(line, jiraSpec.summaryMaxLength).trimEnd();
}

/**
 * Jira's `2026-11-28T05:10:00.000+0000` (offset without a colon, which `Date.parse` need not accept) as an ISO
 * instant in UTC; undefined when it is not a timestamp.
 */
export function jiraTimeToIso(text: unknown): string | undefined {
  if (typeof text !== 'string') return undefined;
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}:?\d{2})$/.exec(
    text.trim(),
  );
  if (!match) return undefined;
  const [, local = '', zone = ''] = match;
  const offset = zone === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
  const ms = Date.parse(`${local}${offset}`);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

type Json = Record<string, unknown>;
const isRecord = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | undefined =>
  typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;

/** Link types are matched by name: every Cloud site has `Duplicate` ("duplicates" / "is duplicated by"). */
export function isDuplicateLinkType(type: unknown): boolean {
  return isRecord(type) && text(type['name'])?.trim().toLowerCase() === 'duplicate';
}

/**
 * The issue this one duplicates, from its `fields.issuelinks`. Each entry names the *other* issue, under the side
 * that describes it: `outwardIssue` when this issue is the link's source ("this duplicates outwardIssue"),
 * `inwardIssue` when the other one is ("inwardIssue duplicates this"). So only an entry with `outwardIssue` makes
 * this issue the duplicate. https://developer.atlassian.com/cloud/jira/platform/issue-linking-model/
 */
export function duplicateOfFromLinks(issuelinks: unknown): string | undefined {
  if (!Array.isArray(issuelinks)) return undefined;
  for (const link of issuelinks) {
    if (!isRecord(link) || !isDuplicateLinkType(link['type'])) continue;
    const outward = link['outwardIssue'];
    const id = isRecord(outward) ? text(outward['id']) : undefined;
    if (id) return id;
  }
  return undefined;
}

/**
 * An issue as REST v3 returns it (with `status`, `updated` and `issuelinks` among its fields), or as a webhook
 * carries it (v2 representation: the same keys for these fields). Throws JiraShapeError when a piece is missing.
 */
export function jiraIssueState(issue: unknown, site: JiraSiteRef): TrackerIssueState {
  const root = isRecord(issue) ? issue : {};
  const fields = isRecord(root['fields']) ? root['fields'] : {};
  const status = isRecord(fields['status']) ? fields['status'] : {};
  const category = isRecord(status['statusCategory']) ? status['statusCategory'] : {};
  const issueId = text(root['id']);
  const issueKey = text(root['key']);
  const statusName = text(status['name']);
  const categoryKey = text(category['key']);
  const updatedAt = jiraTimeToIso(fields['updated']);
  if (!issueId || !issueKey || statusName === undefined || categoryKey === undefined || !updatedAt) {
    throw new JiraShapeError(
      `Jira issue ${issueKey ?? issueId ?? '(no id)'} lacks id, key, status, status category or updated`,
    );
  }
  const state: TrackerIssueState = {
    kind: 'jira',
    site: site.site,
    issueId,
    issueKey,
    url: issueUrl(site.host, issueKey),
    statusName,
    category: categoryKey,
    updatedAt,
  };
  const duplicateOf = duplicateOfFromLinks(fields['issuelinks']);
  if (duplicateOf !== undefined) state.duplicateOfIssueId = duplicateOf;
  const marks = jiraMarks(root);
  if (marks) state.marks = marks;
  return state;
}

/**
 * The marks an issue shows: the entity property naming its link's idempotency key, and the label older versions put
 * on every issue they created (`legacyMarkLabel`, still recognised). Both read as the same token, the legacy label
 * of the key. Complete only when the read asked for the property (`properties` present): a webhook carries labels
 * but no properties, so for an issue without the old label it cannot tell (the issue is read again).
 */
export function jiraMarks(issue: Json): IssueMarks | undefined {
  const fields = isRecord(issue['fields']) ? issue['fields'] : {};
  const labels = Array.isArray(fields['labels']) ? fields['labels'] : [];
  const seen = labels.filter((l): l is string => typeof l === 'string' && l.startsWith(MARK_LABEL_PREFIX));
  const properties = issue['properties'];
  const key = markedKey(properties);
  if (key !== undefined) seen.push(legacyMarkLabel(key));
  const complete = isRecord(properties);
  return seen.length > 0 || complete ? { seen, complete } : undefined;
}

/** The idempotency key our entity property names, from an issue's `properties` as a read with them returns it. */
export function markedKey(properties: unknown): string | undefined {
  const property = isRecord(properties) ? properties[ISSUE_PROPERTY] : undefined;
  const key = isRecord(property) ? property['idempotencyKey'] : undefined;
  return typeof key === 'string' ? key : undefined;
}

/**
 * The label versions before the property-only mark put on every issue they created, so a search by label could
 * find it again after a crash. Issues made then still carry it: it is recognised as their mark, and the next update
 * of the issue removes it. It also names a key as a mark token (`jiraMarks`). Jira labels cannot hold spaces and
 * stop at 255 characters, so a key outside a plain alphabet (or too long) is replaced by its SHA-256.
 */
export function legacyMarkLabel(idempotencyKey: string): string {
  const safe = /^[A-Za-z0-9_.-]{1,200}$/.test(idempotencyKey);
  const id = safe ? idempotencyKey : createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 40);
  return `${MARK_LABEL_PREFIX}${id}`;
}

/** A JQL string literal: double quotes, with `"` and `\` escaped. */
export function jqlString(value: string): string {
  return `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/**
 * A JQL date literal (`"2026-11-28 00:10"`) for an instant, written in `timeZone`: Jira reads date literals in the
 * searching user's profile zone, not UTC (https://support.atlassian.com/jira-software-cloud/docs/jql-fields/#Updated).
 * Minutes are truncated, so the literal never names a later instant than asked (in a DST overlap Jira picks the
 * earlier of the two readings, which is earlier still).
 */
export function jqlDateLiteral(instantMs: number, timeZone: string): string {
  const parts: Record<string, string> = {};
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  });
  for (const part of format.formatToParts(instantMs)) parts[part.type] = part.value;
  const { year, month, day, hour, minute } = parts;
  return `"${year}-${month}-${day} ${hour}:${minute}"`;
}

/** A project key is a letter, then at least one more letter, digit or `_`; then the issue's number. */
export const ISSUE_KEY = /^[A-Z][A-Z0-9_]+-\d+$/i;
export const ISSUE_ID = /^\d+$/;

/**
 * What `getIssue` and "link an existing issue" accept: a key (`SBX-1`), an id (`10001`), or the issue's browse URL
 * on this site (`https://acme.atlassian.net/browse/SBX-1`, query and fragment ignored). Undefined when it is none
 * of them, or a URL on another host.
 */
export function parseIssueReference(input: string, host: string): string | undefined {
  const value = input.trim();
  if (ISSUE_KEY.test(value)) return value.toUpperCase();
  if (ISSUE_ID.test(value)) return value;
  let url: URL;
  let site: URL;
  try {
    url = new URL(value);
    site = new URL(normalizeHost(host));
  } catch {
    return undefined;
  }
  if (url.origin !== site.origin) return undefined;
  const base = site.pathname.replace(/\/+$/, '');
  if (!url.pathname.startsWith(base)) return undefined;
  const match = /^\/browse\/([^/]+)\/?$/.exec(url.pathname.slice(base.length));
  const key = match?.[1] ? decodeURIComponent(match[1]) : undefined;
  return key && ISSUE_KEY.test(key) ? key.toUpperCase() : undefined;
}
