import { createHash } from 'node:crypto';
import type { DedupeEngine } from './engine.ts';

/**
 * Bump when a change to cleaning, tokenising, stemming or the term vector would analyse stored text differently
 * (the probe below catches most such changes, this catches the rest). A new fingerprint rebuilds the index.
 */
const ANALYSIS_VERSION = 1;

/** Texts that exercise every step of the analysis: casing, punctuation, stems, numbers, quotes, signatures. */
const PROBES = [
  { title: 'Dark-mode for the Dashboard, please!', body: 'Running exports nightly; exporting reports.' },
  { title: 'Support Python 3.12 & Node.js v24', body: 'connection connected connecting connections' },
  { title: 'SSO login (Okta/SAML)', body: 'Thanks,\nAda\n\nOn Tue, Bob wrote:\n> quoted text' },
  { title: 'Café naïve résumé — e-mail notifications', body: 'generalization relational hopefulness' },
];

/**
 * What the stored documents depend on: the analysis version, and how this engine analyses the probes and every
 * phrase of its synonym table (so a synonym added in YAML rebuilds the index).
 */
export function analysisFingerprint(engine: DedupeEngine, synonyms: readonly (readonly string[])[]): string {
  const texts = [...PROBES, ...synonyms.flat().map((phrase) => ({ title: phrase }))];
  const analysed = texts.map((t) => {
    const a = engine.analyse(t);
    return [[...a.title.tf], [...a.body.tf], a.titleGrams];
  });
  return createHash('sha256')
    .update(JSON.stringify([ANALYSIS_VERSION, analysed]))
    .digest('hex')
    .slice(0, 16);
}
