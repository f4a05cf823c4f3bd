import {
  CAPABILITIES,
  FIRST_NAMES,
  FORMATS,
  jargon,
  LAST_NAMES,
  MODIFIERS,
  OBJECTS,
  PERIODS,
  PLACES,
  REWORDINGS,
  ROLES,
  VERBS,
} from './triage-vocabulary.ts';

/**
 * Synthetic but plausible feature requests for the triage benchmark, from a seeded generator: short titles
 * ("Export invoices to CSV", "Dark mode for the mobile app") over a Zipf-distributed vocabulary of a few thousand
 * words, bodies of 0-60 words (sometimes with a signature or a quoted reply), and two kinds of new request: a
 * reworded, sometimes misspelt, duplicate of an existing one, and one about something else.
 */

/** mulberry32: small, fast and good enough for test data; the same seed gives the same corpus. */
export function createRandom(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    chance: (p: number) => next() < p,
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T,
    /** A version 4 UUID from this stream, so loaded ids are reproducible too. */
    uuid() {
      const hex = Array.from({ length: 32 }, () => Math.floor(next() * 16).toString(16));
      hex[12] = '4';
      hex[16] = ((Number.parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
      const h = hex.join('');
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    },
  };
}
export type Random = ReturnType<typeof createRandom>;

/** Draws the r-th most common item with probability ∝ 1 / (r + 1)^s (Zipf's law, s ≈ 1 in natural text). */
function zipf<T>(items: readonly T[], s = 1.05) {
  const cumulative: number[] = [];
  let total = 0;
  for (let r = 0; r < items.length; r++) {
    total += 1 / (r + 1) ** s;
    cumulative.push(total);
  }
  return (random: Random): T => {
    const x = random.next() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cumulative[mid] ?? 0) < x) lo = mid + 1;
      else hi = mid;
    }
    return items[lo] as T;
  };
}

const unique = (items: readonly string[]) => [...new Set(items)];
const JARGON = jargon(3_000);
const draw = {
  verb: zipf(unique(VERBS)),
  object: zipf(unique(OBJECTS)),
  modifier: zipf(unique(MODIFIERS)),
  capability: zipf(CAPABILITIES),
  format: zipf(FORMATS),
  place: zipf(PLACES),
  role: zipf(ROLES),
  jargon: zipf(JARGON, 0.9),
};

/** What a request asks for, apart from its wording: a duplicate says the same thing in other words. */
interface Need {
  shape: number;
  verb: string;
  object: string;
  modifier: string;
  capability: string;
  format: string;
  place: string;
  role: string;
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
/** "the mobile app", but "Slack": a product name takes no article. */
const the = (place: string) => (/^[a-z]/.test(place) ? `the ${place}` : place);

/** Each shape of need, in the several ways customers phrase it. */
const PHRASINGS: readonly (readonly ((n: Need) => string)[])[] = [
  [
    (n) => `${cap(n.verb)} ${n.object} to ${n.format}`,
    (n) => `${cap(n.verb)} ${n.object} as ${n.format}`,
    (n) => `Can we ${n.verb} our ${n.object} to ${n.format}?`,
    (n) => `Option to ${n.verb} ${n.object} in ${n.format} format`,
  ],
  [
    (n) => `${cap(n.modifier)} ${n.object} in ${the(n.place)}`,
    (n) => `${cap(n.modifier)} ${n.object} on ${n.place}`,
    (n) => `Add ${n.modifier} ${n.object} to ${the(n.place)}`,
    (n) => `${n.place}: ${n.modifier} ${n.object}`,
  ],
  [
    (n) => `${cap(n.capability)} for ${the(n.place)}`,
    (n) => `${cap(n.capability)} in ${the(n.place)}`,
    (n) => `Please add ${n.capability} to ${the(n.place)}`,
    (n) => `${cap(n.place)} should support ${n.capability}`,
  ],
  [
    (n) => `Allow ${n.role} to ${n.verb} ${n.object}`,
    (n) => `Let ${n.role} ${n.verb} ${n.object}`,
    (n) => `${cap(n.role)} should be able to ${n.verb} ${n.object}`,
    (n) => `Permission for ${n.role} to ${n.verb} ${n.object}`,
  ],
  [
    (n) => `${cap(n.verb)} ${n.modifier} ${n.object}`,
    (n) => `Ability to ${n.verb} ${n.modifier} ${n.object}`,
    (n) => `How do I ${n.verb} ${n.modifier} ${n.object}`,
  ],
  [
    (n) => `${n.place} integration for ${n.object}`,
    (n) => `Sync ${n.object} with ${n.place}`,
    (n) => `Connect ${n.object} to ${n.place}`,
  ],
  [
    (n) => `${cap(n.verb)} ${n.object} from ${the(n.place)}`,
    (n) => `${cap(n.verb)} ${n.object} in ${n.place}`,
    (n) => `Ability to ${n.verb} ${n.object} on ${the(n.place)}`,
  ],
];

export function drawNeed(random: Random): Need {
  // Now and then an object is qualified by product jargon ("kelvor invoices"): the long tail of a vocabulary.
  const object = random.chance(0.2) ? `${draw.jargon(random)} ${draw.object(random)}` : draw.object(random);
  return {
    shape: random.int(0, PHRASINGS.length - 1),
    verb: draw.verb(random),
    object,
    modifier: draw.modifier(random),
    capability: draw.capability(random),
    format: draw.format(random),
    place: draw.place(random),
    role: draw.role(random),
  };
}

/** The slots each shape's phrasings use: two needs with the same key are one need, however phrased. */
const SHAPE_SLOTS: readonly (readonly (keyof Need)[])[] = [
  ['verb', 'object', 'format'],
  ['modifier', 'object', 'place'],
  ['capability', 'place'],
  ['role', 'verb', 'object'],
  ['verb', 'modifier', 'object'],
  ['object', 'place'],
  ['verb', 'object', 'place'],
];

export function needKey(need: Need): string {
  return [need.shape, ...(SHAPE_SLOTS[need.shape] ?? []).map((slot) => need[slot])].join('|').toLowerCase();
}

export function phrasingCount(need: Need): number {
  return PHRASINGS[need.shape]?.length ?? 1;
}

export function title(need: Need, phrasing: number): string {
  const forms = PHRASINGS[need.shape] ?? [];
  return (forms[phrasing % forms.length] ?? (() => need.object))(need);
}

function sentence(random: Random, n: Need): string {
  const o2 = draw.object(random);
  switch (random.int(0, 9)) {
    case 0:
      return `We ${n.verb} ${n.object} every ${random.pick(PERIODS)} and it takes ${random.int(2, 12)} hours.`;
    case 1:
      return `Right now we have to ${n.verb} the ${n.object} by hand.`;
    case 2:
      return `It would save a lot of time if ${the(n.place)} could do this.`;
    case 3:
      return `We use ${the(draw.place(random))} for ${o2} and need this to work with ${draw.modifier(random)} ${draw.object(random)}.`;
    case 4:
      return `This is blocking our rollout to ${random.int(20, 900)} ${draw.role(random)}.`;
    case 5:
      return `Similar to how ${the(draw.place(random))} handles ${o2}.`;
    case 6:
      return `Our ${n.role} keep asking about ${n.object}.`;
    case 7:
      return `The ${draw.jargon(random)} team mentioned it during the ${random.pick(PERIODS)} review.`;
    case 8:
      return `Without it, ${draw.role(random)} cannot ${draw.verb(random)} ${o2}.`;
    default:
      return `Ideally it should also cover ${draw.modifier(random)} ${o2} and ${draw.jargon(random)} ${draw.object(random)}.`;
  }
}

const wordCount = (text: string) => text.split(/\s+/).filter(Boolean).length;

/** 0-60 words of request (a fifth are empty), sometimes followed by a signature or a quoted reply. */
export function body(random: Random, need: Need, lead = ''): string {
  if (!lead && random.chance(0.2)) return '';
  const target = random.int(5, 60);
  const sentences = lead ? [lead] : [];
  for (;;) {
    const next = sentence(random, need);
    if (sentences.length > 0 && wordCount([...sentences, next].join(' ')) > target) break;
    sentences.push(next);
  }
  let text = sentences.join(' ');
  const ending = random.next();
  const name = random.pick(FIRST_NAMES);
  if (ending < 0.25) text += `\n\nThanks,\n${name}`;
  else if (ending < 0.35)
    text += `\n\nOn Tue, 4 Jun 2024, ${name} ${random.pick(LAST_NAMES)} wrote:\n> ${sentence(random, need)}`;
  return text;
}

/** One misspelling of the kind people make: two letters swapped, one dropped or doubled. */
export function typo(random: Random, text: string): string {
  const words = text.split(' ');
  const at = words.map((w, i) => (/^[a-z]{5,}$/i.test(w) ? i : -1)).filter((i) => i >= 0);
  if (at.length === 0) return text;
  const i = random.pick(at);
  const w = words[i] ?? '';
  const k = random.int(1, w.length - 2);
  const kind = random.int(0, 2);
  words[i] =
    kind === 0
      ? w.slice(0, k) + w.charAt(k + 1) + w.charAt(k) + w.slice(k + 2)
      : kind === 1
        ? w.slice(0, k) + w.slice(k + 1)
        : w.slice(0, k) + w.charAt(k) + w.slice(k);
  return words.join(' ');
}

/** The same need in other words: another phrasing, some words swapped for what other customers call them. */
export function reword(random: Random, need: Need): Need {
  const swap = (word: string) => {
    const others = REWORDINGS[word];
    return others && random.chance(0.6) ? random.pick(others) : word;
  };
  return {
    ...need,
    verb: swap(need.verb),
    object: need.object
      .split(' ')
      .map((w, i, all) => (i === all.length - 1 ? swap(w) : w))
      .join(' '),
    modifier: swap(need.modifier),
    capability: swap(need.capability),
    place: swap(need.place),
  };
}

export interface Existing {
  need: Need;
  phrasing: number;
  title: string;
  body: string;
}

/** A duplicate of `original`: reworded, a third misspelt, with a new, partial or no body. */
export function duplicateOf(random: Random, original: Existing): { title: string; body: string } {
  const need = reword(random, original.need);
  const count = phrasingCount(need);
  const phrasing = count > 1 ? (original.phrasing + random.int(1, count - 1)) % count : 0;
  let t = title(need, phrasing);
  if (random.chance(0.35)) t = typo(random, t);
  const roll = random.next();
  const firstSentence = original.body.split(/(?<=\.)\s/)[0] ?? '';
  const b =
    roll < 0.4 ? '' : roll < 0.7 || !firstSentence ? body(random, need) : body(random, need, firstSentence);
  return { title: t, body: b };
}
