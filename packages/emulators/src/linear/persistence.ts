import { savedShape } from '../shared/state-file.ts';
import type { LinearState } from './state.ts';

/**
 * The Linear workspace as JSON and back: every entity map, the organization and viewer, `lastSyncId`, issue
 * numbering per team key and the clock's last time, so a restarted emulator never hands out SBX-1 again and its
 * `updatedAt`s keep increasing. Which teams are hidden is test scaffolding, not workspace data, and is not kept.
 */

const MAPS = [
  'teams',
  'states',
  'issues',
  'labels',
  'attachments',
  'comments',
  'relations',
  'tiers',
  'customers',
  'needs',
  'webhooks',
] as const;

export function saveLinear(state: LinearState) {
  return {
    version: 1 as const,
    organization: state.organization,
    viewer: state.viewer,
    lastSyncId: state.lastSyncId,
    lastMs: state.lastMs,
    seededAt: state.seededAt,
    issueNumbers: Object.fromEntries(state.issueNumbers),
    ...Object.fromEntries(MAPS.map((name) => [name, [...state[name].values()]])),
  };
}

export function restoreLinear(state: LinearState, data: unknown, file: string): void {
  const saved = savedShape(data, file, MAPS);
  for (const name of MAPS) {
    const map = state[name] as Map<string, unknown>;
    map.clear();
    for (const record of saved[name] as Array<{ id: string }>) map.set(record.id, record);
  }
  state.organization = saved['organization'] as LinearState['organization'];
  state.viewer = saved['viewer'] as LinearState['viewer'];
  if (typeof saved['lastSyncId'] === 'number') state.lastSyncId = saved['lastSyncId'];
  if (typeof saved['lastMs'] === 'number') state.lastMs = Math.max(state.lastMs, saved['lastMs']);
  if (typeof saved['seededAt'] === 'string') state.seededAt = saved['seededAt'];
  state.issueNumbers.clear();
  for (const [key, n] of Object.entries((saved['issueNumbers'] ?? {}) as Record<string, unknown>)) {
    if (typeof n === 'number') state.issueNumbers.set(key, n);
  }
}
