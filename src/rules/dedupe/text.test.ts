import { describe, expect, it } from 'vitest';
import { stripQuotesAndSignature } from './clean.ts';
import { editDistance } from './edit-distance.ts';
import { stem } from './stem.ts';
import { compileSynonyms, DEFAULT_SYNONYMS, synonymTerms } from './synonyms.ts';
import { tokenise, tokeniseAll } from './tokenise.ts';

describe('stem (Porter)', () => {
  it.each([
    ['exporting', 'export'],
    ['exports', 'export'],
    ['exported', 'export'],
    ['notifications', 'notif'],
    ['notification', 'notif'],
    ['integrations', 'integr'],
    ['filtering', 'filter'],
    ['caresses', 'caress'],
    ['ponies', 'poni'],
    ['relational', 'relat'],
    ['hopping', 'hop'],
    ['filing', 'file'],
    ['sso', 'sso'],
    ['2fa', '2fa'],
  ])('%s → %s', (word, expected) => {
    expect(stem(word)).toBe(expected);
  });
});

describe('tokenise', () => {
  it.each([
    ['Please add dark mode!', ['add', 'dark', 'mode']],
    ['It would be nice to be able to export reports', ['export', 'report']],
    ['Café menu', ['cafe', 'menu']],
    ['Crash in lastInsertedRowID', ['crash', 'lastinsertedrowid', 'last', 'insert', 'row', 'id']],
    ['max_file_size too small', ['maxfiles', 'max', 'file', 'size', 'small']],
    ['Upgrade kafka to 3.4.0', ['upgrad', 'kafka', '3.4.0']],
    ['Support Python 3', ['support', 'python', '3']],
  ])('%s', (text, terms) => {
    expect(tokenise(text).map((t) => t.term)).toEqual(terms);
  });
});

describe('synonyms', () => {
  const synonyms = compileSynonyms(DEFAULT_SYNONYMS);
  const groups = (text: string) => synonymTerms(tokeniseAll(text), synonyms);
  it.each([
    ['dark mode please', ['~dark_mode']],
    ['a night mode for the dashboard', ['~dark_mode']],
    ['Dark theme', ['~dark_mode']],
    ['light theme', ['~light_mode']],
    ['SSO with Okta', ['~sso']],
    ['single sign-on', ['~sso']],
    ['two-factor authentication', ['~2fa']],
    ['sign in with Google', ['~log_in']],
    ['log out everywhere', ['~log_out']],
    ['the audit log is empty', []],
    ['dark chocolate mode', []],
  ])('%s → %j', (text, expected) => {
    expect(groups(text)).toEqual(expected);
  });
});

describe('stripQuotesAndSignature', () => {
  it.each([
    ['plain text stays', 'We need dark mode.', 'We need dark mode.'],
    ['quoted reply lines go', 'Yes, dark mode please.\n> On the roadmap?\n> maybe', 'Yes, dark mode please.'],
    [
      'the history after "On … wrote:" goes',
      'Same for us: CSV export.\n\nOn Mon, 3 Jun 2024 at 10:02, Ada Support <help@acme.io> wrote:\nThanks for reaching out',
      'Same for us: CSV export.',
    ],
    [
      'an Outlook header block and what follows go',
      'Add SSO.\n\nFrom: Support <s@x.io>\nSent: Monday\nTo: me\nSubject: Re: SSO',
      'Add SSO.',
    ],
    [
      'the "-- " signature goes',
      'Bulk edit would save hours.\n-- \nAda Lovelace\nCTO, Acme',
      'Bulk edit would save hours.',
    ],
    [
      'a sign-off and a short signature go',
      'Could you add a Slack integration?\n\nThanks,\nAda\nAcme Inc.\n+44 20 1234 5678',
      'Could you add a Slack integration?',
    ],
    ['mobile footers go', 'Night mode please\n\nSent from my iPhone', 'Night mode please'],
  ])('%s', (_name, body, expected) => {
    expect(stripQuotesAndSignature(body)).toBe(expected);
  });
});

describe('editDistance', () => {
  it.each([
    ['export', 'export', 0],
    ['exprot', 'export', 1],
    ['notifcation', 'notification', 1],
    ['dashbord', 'dashboard', 1],
    ['import', 'export', 2],
  ])('%s ~ %s = %i', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
  });
});
