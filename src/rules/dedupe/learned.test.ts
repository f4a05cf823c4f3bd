import { describe, expect, it } from 'vitest';
import { createDedupeEngine } from './engine.ts';
import {
  compileLearning,
  type DedupeAnswer,
  EMPTY_EVIDENCE,
  learnFrom,
  withAnswer,
  withoutAnswer,
} from './learned.ts';
import { InMemoryDedupeIndex } from './memory-index.ts';
import { candidateWith } from './test-candidate.ts';

const engine = createDedupeEngine();

/** Features of a team's backlog, one request each (feature id = request title). */
const BACKLOG = [
  'Export reports to PDF',
  'Slack integration',
  'Gantt chart for projects',
  'Recurring tasks',
  'Dark mode for emails',
  'Custom fields on tickets',
  'Time tracking on tickets',
  'Calendar view of deadlines',
];

function backlogIndex(): InMemoryDedupeIndex {
  const index = new InMemoryDedupeIndex();
  for (const title of BACKLOG) index.add(title, engine.analyse({ title }));
  return index;
}

const answer = (
  a: string,
  b: string,
  kind: DedupeAnswer['answer'],
  featureIds: [string, string] = [a, b],
): DedupeAnswer => ({
  a: { title: a },
  b: { title: b },
  featureIds,
  answer: kind,
  at: '2026-12-01T00:00:00.000Z',
  confidence: 0.6,
  own: 0.7,
});

/** This team says "tix" for tickets: two merges taught it. */
const TIX_MERGES = [
  answer('Custom fields on tix', 'Custom fields on tickets', 'merge'),
  answer('Tix time tracking', 'Time tracking on tickets', 'merge'),
];

async function topFor(title: string, learned = EMPTY_EVIDENCE) {
  const compiled = compileLearning(learned);
  const ranked = await engine.rank(engine.analyse({ title }), backlogIndex(), 5, compiled);
  return ranked[0];
}

describe('learned evidence', () => {
  it.each([
    ['the candidate a person dismissed', 'Slack integration', ['Slack integration'], 'Recurring tasks'],
    [
      'a feature dismissed twice',
      'Slack integration',
      ['Slack integration', 'Slack integration'],
      'Recurring tasks',
    ],
  ])('%s is never proposed again for that feature', (_, dismissedId, dismissals, next) => {
    const learned = compileLearning(
      learnFrom(
        dismissals.map((d) => answer('Slack notifications for tasks', d, 'dismiss', ['F-new', d])),
        engine.analyse,
      ),
    );
    const ranked = [candidateWith(dismissedId, 0.9), candidateWith(next, 0.6), candidateWith('F-new', 0.99)];
    expect(engine.decide(ranked, { featureId: 'F-new' }).candidate?.id).toBe(dismissedId);
    const decision = engine.decide(ranked, { featureId: 'F-new', learned });
    expect(decision.candidate?.id).toBe(next);
    // Either way round: the pair is one pair.
    expect(learned.dismissed(dismissedId, 'F-new')).toBe(true);
    expect(learned.dismissed('F-new', dismissedId)).toBe(true);
  });

  it('a feature dismissed against its candidate is triaged again against the next one, never the same', async () => {
    const index = backlogIndex();
    const request = engine.analyse({ title: 'Custom fields on projects' });
    index.add('F-new', request);
    const ranked = await engine.rank(request, index, 10);
    const first = engine.decide(ranked, { featureId: 'F-new' });
    expect(first.candidate?.id).toBe('Custom fields on tickets');
    const learned = compileLearning(
      learnFrom(
        [
          answer('Custom fields on projects', 'Custom fields on tickets', 'dismiss', [
            'F-new',
            'Custom fields on tickets',
          ]),
        ],
        engine.analyse,
      ),
    );
    const again = engine.decide(await engine.rank(request, index, 10, learned), {
      featureId: 'F-new',
      learned,
    });
    expect(again.candidate?.id).not.toBe('Custom fields on tickets');
    expect(again.candidate?.id).not.toBe('F-new');
  });

  it('a merge teaches that the words setting the two texts apart name one thing', async () => {
    const before = await topFor('Tix with custom fields');
    const after = await topFor('Tix with custom fields', learnFrom(TIX_MERGES, engine.analyse));
    expect(after?.id).toBe('Custom fields on tickets');
    expect(after?.confidence).toBeGreaterThan(before?.confidence ?? 1);
    expect(after?.evidence.queryCoverage).toBeGreaterThan(before?.evidence.queryCoverage ?? 1);
  });

  it.each([
    ['the last', TIX_MERGES, 1],
    ['the first', TIX_MERGES, 0],
  ])('an undone merge (%s) forgets what it taught', async (_, merges, undone) => {
    const all = learnFrom(merges, engine.analyse);
    const undoneAnswer = merges[undone] as DedupeAnswer;
    const forgot = withoutAnswer(all, undoneAnswer, engine.analyse);
    expect(forgot).toEqual(
      learnFrom(
        merges.filter((_m, i) => i !== undone),
        engine.analyse,
      ),
    );
    expect(withoutAnswer(forgot, merges[1 - undone] as DedupeAnswer, engine.analyse)).toEqual(EMPTY_EVIDENCE);
    // The association "tix" ~ "ticket" was confirmed twice; one undo leaves one confirmation, not two.
    const weight = (e: typeof all) => compileLearning(e).credit('tix', (t) => t === 'ticket');
    expect(weight(forgot)).toBeLessThan(weight(all));
    expect(
      await topFor(
        'Tix with custom fields',
        withoutAnswer(forgot, merges[1 - undone] as DedupeAnswer, engine.analyse),
      ),
    ).toEqual(await topFor('Tix with custom fields'));
  });

  it.each([
    ['no scores', {}],
    ['a merge confidence alone', { confidence: 0.9 }],
    ['an own confidence alone', { own: 0.9 }],
  ])('a merge nobody was asked about (%s) teaches its words and no score', (_, scores) => {
    const unscored = TIX_MERGES.map(({ confidence: _c, own: _o, ...merge }) => ({ ...merge, ...scores }));
    const learned = learnFrom(unscored, engine.analyse);
    expect(learned.scores).toEqual([]);
    expect(learned.associations).toEqual(learnFrom(TIX_MERGES, engine.analyse).associations);
    expect(compileLearning(learned).credit('tix', (t) => t === 'ticket')).toBeGreaterThan(0);
    const scored = withAnswer(learned, TIX_MERGES[0] as DedupeAnswer, engine.analyse);
    expect(scored.scores).toEqual([{ confidence: 0.6, own: 0.7, merge: true }]);
    // Taking an unscored answer out takes its words, and leaves the scored answer's score.
    expect(withoutAnswer(scored, unscored[1] as DedupeAnswer, engine.analyse).scores).toEqual(scored.scores);
    expect(withoutAnswer(learned, unscored[0] as DedupeAnswer, engine.analyse)).toEqual(
      learnFrom(unscored.slice(1), engine.analyse),
    );
  });

  it('is the same whatever order the answers came in, and round-trips through JSON', () => {
    const answers = [
      ...TIX_MERGES,
      answer('Slack notifications for tasks', 'Slack integration', 'dismiss', ['F1', 'Slack integration']),
    ];
    const evidence = learnFrom(answers, engine.analyse);
    expect(learnFrom([...answers].reverse(), engine.analyse)).toEqual(evidence);
    const stored = JSON.parse(JSON.stringify(evidence)) as typeof evidence;
    expect(stored).toEqual(evidence);
    const [fresh, restored] = [compileLearning(evidence), compileLearning(stored)];
    expect(restored.dismissed('Slack integration', 'F1')).toBe(fresh.dismissed('Slack integration', 'F1'));
    expect(restored.credit('tix', (t) => t === 'ticket')).toBe(fresh.credit('tix', (t) => t === 'ticket'));
    expect(fresh.credit('tix', (t) => t === 'ticket')).toBeGreaterThan(0);
    expect(withAnswer(stored, answers[0] as DedupeAnswer, engine.analyse)).toEqual(
      withAnswer(evidence, answers[0] as DedupeAnswer, engine.analyse),
    );
  });
});
