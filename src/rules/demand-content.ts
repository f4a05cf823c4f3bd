import type { FeatureDemand } from '../domain/tracker.ts';

/**
 * What the demand section of a tracker issue says, independent of how it is written (markdown for Linear, ADF for
 * Jira), so both trackers show the same facts. Customer-controlled text (quotes, names, tiers, domains) only ever
 * lands in `Inline.text`; each renderer makes that text inert. No timestamp is rendered: an unchanged demand gives
 * an identical section, so a push can compare and skip the tracker call.
 */

/** Our section's heading text and closing line: markers a product owner will not write by accident. */
export const DEMAND_TITLE = 'Customer demand (Suggested Sync)';
export const DEMAND_END = 'Updated by Suggested Sync';

export interface DemandOptions {
  /** Quotes shown, taken in the order given. Default 3. */
  maxQuotes?: number;
  /** Companies listed (by revenue, then requests); the rest are counted. Default 10. */
  maxCompanies?: number;
  /** Longer quotes are cut at a word and end with "…". Default 280. */
  maxQuoteChars?: number;
}

/** A run of text: plain, bold, or a link (http/https only). */
export interface Inline {
  text: string;
  strong?: boolean;
  href?: string;
}

interface DemandContent {
  summary: Inline[];
  tiers: Inline[] | null;
  companies: Inline[][];
  quotes: Array<{ text: string; attribution: Inline[] }>;
  link: Inline[];
  /** "Possible duplicate of …" while a person has not decided; null otherwise. */
  possibleDuplicate: Inline[] | null;
}

const NAME_CHARS = 80;

export function demandContent(demand: FeatureDemand, options: DemandOptions = {}): DemandContent {
  const { maxQuotes = 3, maxCompanies = 10, maxQuoteChars = 280 } = options;
  return {
    summary: summary(demand),
    tiers: tiers(demand),
    companies: companies(demand, Math.max(0, maxCompanies)),
    quotes: demand.quotes
      .map((q) => ({ ...q, text: clip(q.text, Math.max(1, maxQuoteChars)) }))
      .filter((q) => q.text !== '')
      .slice(0, Math.max(0, maxQuotes))
      .map((q) => ({ text: q.text, attribution: attribution(q) })),
    link: link(demand),
    possibleDuplicate: possibleDuplicate(demand),
  };
}

/** Always starts with our own words, so the line can never read as a heading or our closing marker. */
function possibleDuplicate(d: FeatureDemand): Inline[] | null {
  const of = d.possibleDuplicateOf;
  if (!of) return null;
  const title = clip(of.title, NAME_CHARS) || 'another feature';
  const key = clip(of.issueKey ?? '', NAME_CHARS);
  const href = of.url === null ? null : safeUrl(of.url);
  const target: Inline[] = key
    ? [href ? { text: key, href } : { text: key, strong: true }, { text: ` (${title})` }]
    : [{ text: title, strong: true }, { text: ' (not in a tracker yet)' }];
  return [
    { text: 'Possible duplicate of', strong: true },
    { text: ' ' },
    ...target,
    { text: ': not reviewed in Suggested Sync in time, so it was pushed on its own' },
  ];
}

function summary(d: FeatureDemand): Inline[] {
  const out: Inline[] = [
    { text: count(d.requestCount, 'request'), strong: true },
    { text: ' from ' },
    { text: count(d.requesterCount, 'requester'), strong: true },
  ];
  if (d.companyCount > 0)
    out.push({ text: ' at ' }, { text: count(d.companyCount, 'company'), strong: true });
  const knownRevenue = d.totalRevenue > 0 || d.companies.some((c) => c.revenue !== null);
  if (knownRevenue)
    out.push({ text: ' · total revenue ' }, { text: formatNumber(d.totalRevenue), strong: true });
  else out.push({ text: ' · revenue not known' });
  out.push({ text: ' · score ' }, { text: formatNumber(d.score, 1), strong: true });
  return out;
}

function tiers(d: FeatureDemand): Inline[] | null {
  const shown = d.tiers
    .map((t) => ({ tier: clip(t.tier, NAME_CHARS), companies: t.companies }))
    .filter((t) => t.tier !== '' && t.companies > 0)
    .sort((a, b) => b.companies - a.companies || a.tier.localeCompare(b.tier));
  if (shown.length === 0) return null;
  return [
    { text: 'Tiers: ' },
    ...shown.flatMap((t, i) => [
      ...(i > 0 ? [{ text: ' · ' }] : []),
      { text: t.tier, strong: true },
      { text: ` ${t.companies}` },
    ]),
  ];
}

function companies(d: FeatureDemand, max: number): Inline[][] {
  const sorted = [...d.companies].sort(
    (a, b) =>
      (b.revenue ?? -1) - (a.revenue ?? -1) ||
      b.requests - a.requests ||
      companyLabel(a).localeCompare(companyLabel(b)),
  );
  const lines = sorted.slice(0, max).map((c): Inline[] => {
    const name = clip(c.name ?? '', NAME_CHARS);
    const domain = clip(c.domain ?? '', NAME_CHARS);
    const tier = clip(c.tier ?? '', NAME_CHARS);
    const details = [
      ...(tier ? [tier] : []),
      ...(c.revenue !== null ? [`revenue ${formatNumber(c.revenue)}`] : []),
      count(c.requests, 'request'),
    ];
    const label: Inline = { text: companyLabel(c), strong: true };
    return [label, { text: `${name && domain ? ` (${domain})` : ''} · ${details.join(' · ')}` }];
  });
  const more = Math.max(d.companyCount, d.companies.length) - lines.length;
  if (more > 0 && lines.length > 0) lines.push([{ text: `…and ${count(more, 'more company')}` }]);
  return lines;
}

function companyLabel(c: { name: string | null; domain: string | null }): string {
  return clip(c.name ?? '', NAME_CHARS) || clip(c.domain ?? '', NAME_CHARS) || 'Unnamed company';
}

function attribution(q: FeatureDemand['quotes'][number]): Inline[] {
  const who = [clip(q.requesterName ?? '', NAME_CHARS), clip(q.companyName ?? '', NAME_CHARS)].filter(
    Boolean,
  );
  const out: Inline[] = [{ text: `— ${who.length > 0 ? who.join(', ') : 'a customer'}` }];
  const day = isoDay(q.receivedAt);
  if (day) out.push({ text: ` · ${day}` });
  const href = q.url === null ? null : safeUrl(q.url);
  if (href) out.push({ text: ' · ' }, { text: 'view request', href });
  return out;
}

function link(d: FeatureDemand): Inline[] {
  const href = safeUrl(d.featureUrl);
  return href
    ? [{ text: 'Open this feature in Suggested Sync', href }]
    : [{ text: `Suggested Sync feature ${clip(d.featureId, NAME_CHARS)}` }];
}

/** Where a closed duplicate's demand went: the surviving issue and the surviving feature. */
export interface DuplicateNote {
  /** The surviving issue's key (`SBX-7`, `ENG-12`) and its URL in the tracker. */
  survivorKey: string;
  survivorUrl: string;
  /** The surviving feature's title and its page in Suggested Sync. */
  survivorTitle: string;
  featureUrl: string;
}

/**
 * The short note that replaces the demand section of an issue closed as a duplicate by a merge: one line saying
 * where the demand is counted now, one linking to the surviving feature. Same wording for every tracker.
 */
export function duplicateNoteContent(note: DuplicateNote): Inline[][] {
  const key = clip(note.survivorKey, NAME_CHARS) || 'the surviving issue';
  const issueHref = safeUrl(note.survivorUrl);
  const title = clip(note.survivorTitle, NAME_CHARS);
  const featureHref = safeUrl(note.featureUrl);
  return [
    [
      { text: 'The customer demand for this need is counted on ' },
      issueHref ? { text: key, href: issueHref } : { text: key, strong: true },
      { text: title ? ` (${title}).` : '.' },
    ],
    featureHref
      ? [{ text: 'Open the surviving feature in Suggested Sync', href: featureHref }]
      : [{ text: 'The surviving feature is in Suggested Sync' }],
  ];
}

/** "1 request", "3 companies", "2 more companies". */
export function count(n: number, noun: string): string {
  if (n === 1) return `1 ${noun}`;
  const plural = noun.endsWith('y') ? `${noun.slice(0, -1)}ies` : `${noun}s`;
  return `${formatNumber(n)} ${plural}`;
}

/** Thousands separators, no currency: revenue is in whatever currency the accounts use. */
export function formatNumber(n: number, fractionDigits = 0): string {
  if (!Number.isFinite(n)) return 'unknown';
  return new Intl.NumberFormat('en-US', { maximumFractionDigits: fractionDigits }).format(n);
}

/**
 * One line of inert-ready text: control and bidi-override characters removed (they can disguise text), whitespace
 * collapsed, cut to `max` characters (code points, never half a surrogate pair) at a word where one is near.
 */
export function clip(text: string, max: number): string {
  const clean = text
    .replace(/[\p{Cc}\u2028\u2029]/gu, ' ')
    .replace(/[\u202a-\u202e\u2066-\u2069\u200e\u200f]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  const chars = Array.from(clean);
  if (chars.length <= max) return clean;
  const cut = chars.slice(0, Math.max(0, max - 1)).join('');
  const space = cut.lastIndexOf(' ');
  return `${(space > cut.length * 0.7 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/** Only absolute http(s) URLs become links, so stored data cannot smuggle `javascript:` into the tracker. */
export function safeUrl(url: string): string | null {
  if (!URL.canParse(url)) return null;
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return null;
  // Parentheses end a markdown link destination early; encoded they mean the same URL.
  return parsed.href.replace(/\(/g, '%28').replace(/\)/g, '%29');
}

function isoDay(iso: string): string | null {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString().slice(0, 10);
}
