import { describe, expect, it } from 'vitest';
import { matchFeature } from './match.ts';

const candidate = (id: string, titleKey: string, requestCount = 1) => ({ id, titleKey, requestCount });

describe('matchFeature (exact normalised title)', () => {
  it.each([
    ['no candidates → create', 'dark mode', [], { action: 'create' }],
    [
      'same key → attach',
      'dark mode',
      [candidate('f1', 'dark mode')],
      { action: 'attach', featureId: 'f1', score: 1 },
    ],
    ['different key → create', 'dark mode', [candidate('f1', 'dark modes')], { action: 'create', score: 0 }],
    [
      'several matches → the largest, then lowest id',
      'sso',
      [candidate('b', 'sso', 2), candidate('c', 'sso', 5), candidate('a', 'sso', 5)],
      { action: 'attach', featureId: 'a' },
    ],
    ['an empty key never matches', '', [candidate('f1', '')], { action: 'create' }],
  ] as const)('%s', (_name, key, candidates, expected) => {
    expect(matchFeature({ title: key, titleKey: key }, candidates)).toMatchObject(expected);
  });

  it('records the evidence: the key and every candidate considered', () => {
    const decision = matchFeature({ title: 'SSO', titleKey: 'sso' }, [
      candidate('x', 'sso'),
      candidate('y', 'saml'),
    ]);
    expect(decision.evidence).toEqual({ titleKey: 'sso', candidateIds: ['x', 'y'] });
    expect(decision.method).toBe('exact-title');
  });
});
