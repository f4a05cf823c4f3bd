import { describe, expect, it } from 'vitest';
import { decideNotification, type OutboxDecision, type OutboxDecisionInput } from './outbox-decision.ts';

const now = new Date('2026-01-01T12:00:00Z');
const earlier = new Date('2026-01-01T12:01:00Z');
const base: OutboxDecisionInput = {
  from: 'under_review',
  to: 'planned',
  notifies: true,
  pending: undefined,
  lastTold: undefined,
  now,
  coalesceSeconds: 120,
};
const pending = (status: OutboxDecisionInput['to'], fromStatus: OutboxDecisionInput['to']) => ({
  id: 'p1',
  status,
  fromStatus,
  dueAt: earlier,
});

const cases: Array<[string, Partial<OutboxDecisionInput>, OutboxDecision]> = [
  [
    'a notifying change with nothing pending waits one window',
    {},
    { create: { status: 'planned', fromStatus: 'under_review', dueAt: new Date('2026-01-01T12:02:00Z') } },
  ],
  [
    'a status nobody is told about creates nothing',
    { to: 'under_review', from: 'received', notifies: false },
    {},
  ],
  ['the status they were last told creates nothing', { to: 'planned', lastTold: 'planned' }, {}],
  [
    'a second move within the window replaces the pending row and keeps its due time',
    { from: 'planned', to: 'in_progress', pending: pending('planned', 'under_review') },
    {
      cancel: { id: 'p1', reason: 'superseded by in_progress' },
      create: { status: 'in_progress', fromStatus: 'under_review', dueAt: earlier },
    },
  ],
  [
    'moving back to where the window started is an undo',
    { from: 'planned', to: 'under_review', notifies: false, pending: pending('planned', 'under_review') },
    { cancel: { id: 'p1', reason: 'undone within window' } },
  ],
  [
    'moving back to what they were last told is an undo',
    {
      from: 'shipped',
      to: 'in_progress',
      lastTold: 'in_progress',
      pending: pending('shipped', 'planned'),
    },
    { cancel: { id: 'p1', reason: 'undone within window' } },
  ],
  [
    'moving on to a non-notifying status cancels the pending news',
    { from: 'planned', to: 'under_review', notifies: false, pending: pending('planned', 'received') },
    { cancel: { id: 'p1', reason: 'superseded by under_review' } },
  ],
  [
    'a zero window is due now',
    { coalesceSeconds: 0 },
    { create: { status: 'planned', fromStatus: 'under_review', dueAt: now } },
  ],
];

describe('decideNotification', () => {
  it.each(cases)('%s', (_name, overrides, expected) => {
    expect(decideNotification({ ...base, ...overrides })).toEqual(expected);
  });
});
