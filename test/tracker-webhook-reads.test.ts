import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJiraTracker } from '../src/connectors/jira/tracker.ts';
import type { Tracker } from '../src/connectors/tracker.ts';
import type { TrackerIssueState } from '../src/domain/tracker.ts';
import { startService, type TestService, validRequest, waitFor } from './helpers/service.ts';

/**
 * What a Jira webhook costs: its payload shows no entity property, so it cannot show the mark that says an issue is
 * still the one its link followed. A change (a new status, a duplicate mark) is checked with one read of the issue;
 * an event that says nothing new (our own push's update, say) is applied without one. A new issue's created
 * webhook costs no read either: the push records the issue with the state it read, in one write.
 */

let svc: TestService;
beforeAll(async () => {
  svc = await startService({ yaml: 'push:\n  coalesceSeconds: 0\n' });
});
afterAll(async () => {
  await svc?.stop();
});

/** The sandbox's Jira tracker, counting the issue reads the events make. */
function countingTracker(): { tracker: Tracker; reads: () => number } {
  const emulators = svc.emulators();
  const real = createJiraTracker({
    site: 'sandbox',
    host: emulators.jira.url,
    email: emulators.credentials.jira.email,
    apiToken: emulators.credentials.jira.apiToken,
  });
  let reads = 0;
  const tracker: Tracker = {
    ...real,
    getIssue: (idKeyOrUrl) => {
      reads++;
      return real.getIssue(idKeyOrUrl);
    },
  };
  return { tracker, reads: () => reads };
}

describe('a Jira webhook about a marked issue', () => {
  it('is checked against the mark when it changes something, and not read again when it says nothing new', async () => {
    const res = await svc.post('/v1/requests', validRequest({ title: 'Audit log export', tags: ['jira'] }));
    const featureId = await svc.featureOf(((await res.json()) as { id: string }).id);
    const link = await waitFor('the issue pushed and marked', async () => {
      const [l] = await svc.runtime.store.links.forFeature(featureId);
      return l?.state === 'linked' && l.markedAt && l.statusName && !l.dirtySince ? l : undefined;
    });
    const { tracker, reads } = countingTracker();
    // What a webhook shows: the state, and marks it cannot complete (labels only).
    const webhook = (state: Partial<TrackerIssueState>): TrackerIssueState => ({
      kind: 'jira',
      site: 'sandbox',
      issueId: link.issueId ?? '',
      issueKey: link.issueKey ?? '',
      url: link.url ?? '',
      statusName: link.statusName ?? '',
      category: link.statusCategory ?? '',
      updatedAt: new Date(Date.now() + 60_000).toISOString(),
      marks: { seen: [], complete: false },
      ...state,
    });
    const apply = (state: TrackerIssueState) =>
      svc.runtime.application.trackerEvents.applyEvents(
        tracker,
        [{ type: 'issue-changed', state }],
        'tracker',
      );

    const [same] = await apply(webhook({}));
    expect(same).toBe(`issue ${link.issueKey}: ${link.statusName}`);
    expect(reads()).toBe(0);
    const [after] = await svc.runtime.store.links.forFeature(featureId);
    expect(after?.issueUpdatedAt?.getTime()).toBeGreaterThan(link.issueUpdatedAt?.getTime() ?? 0);

    // A new status is worth a read: the issue must still carry this link's mark to speak for the feature.
    const [moved] = await apply(
      webhook({
        statusName: 'In Progress',
        category: 'indeterminate',
        updatedAt: new Date(Date.now() + 120_000).toISOString(),
      }),
    );
    expect(moved).toBe(`issue ${link.issueKey}: In Progress`);
    expect(reads()).toBe(1);
  });
});

async function setFaults(body: object | undefined): Promise<void> {
  const res = await fetch(`${svc.emulators().jira.url}/_emulator/faults`, {
    method: body ? 'POST' : 'DELETE',
    headers: { 'content-type': 'application/json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  expect(res.ok).toBe(true);
}

describe("a new Jira issue's created webhook", () => {
  it('arriving while the push reads the new issue costs no second read', async () => {
    const calls = svc.emulators().jira.calls;
    // Every answer held 1.5 s: the create and its remote link take 3 s, the push's read of the new issue 1.5 s more.
    // The created webhook is delivered 3.75 s after the create, while that read is under way.
    await setFaults({ responseDelayMs: 1_500, webhooks: { delayMs: 3_750 } });
    try {
      const res = await svc.post(
        '/v1/requests',
        validRequest({ title: 'Usage quota alerts', tags: ['jira'] }),
      );
      const featureId = await svc.featureOf(((await res.json()) as { id: string }).id);
      const link = await waitFor('the issue pushed with its first state', async () => {
        const [l] = await svc.runtime.store.links.forFeature(featureId);
        return l?.state === 'linked' && l.statusName ? l : undefined;
      });
      await waitFor('its created webhook applied', async () => {
        const deliveries = svc.logs.filter((l) => l.includes('webhook applied'));
        return deliveries.some((l) => l.includes(`issue ${link.issueKey}`)) ? true : undefined;
      });
      const reads = calls
        .list()
        .filter((c) => c.operation === 'GET /rest/api/3/issue/{issueIdOrKey}')
        .filter((c) => c.path.startsWith(`/rest/api/3/issue/${link.issueId}?`));
      // The push's one read of the new issue's state; the webhook did not read it again to check its mark.
      expect(reads, 'reads of the new issue').toHaveLength(1);
      expect(link.statusName).toBe('To Do');
    } finally {
      await setFaults(undefined);
    }
  });
});

describe("a new Jira issue's created webhook applied as soon as the push has recorded the issue", () => {
  it('finds the state recorded with the issue and costs no read', async () => {
    const { tracker, reads } = countingTracker();
    const links = svc.runtime.application.links;
    const record = links.recordCreatedIssue;
    const outcomes: string[] = [];
    // The created event, as Jira delivers it (no entity property), applied right after the push's record commits,
    // before anything else the push does.
    links.recordCreatedIssue = async (linkId, featureId, ref, state) => {
      const recorded = await record(linkId, featureId, ref, state);
      const created: TrackerIssueState = { ...state, marks: { seen: [], complete: false } };
      outcomes.push(
        ...(await svc.runtime.application.trackerEvents.applyEvents(
          tracker,
          [{ type: 'issue-changed', state: created }],
          'tracker',
        )),
      );
      return recorded;
    };
    try {
      const res = await svc.post(
        '/v1/requests',
        validRequest({ title: 'Scheduled report delivery', tags: ['jira'] }),
      );
      const featureId = await svc.featureOf(((await res.json()) as { id: string }).id);
      const link = await waitFor('the issue pushed and its created event applied', async () => {
        const [l] = await svc.runtime.store.links.forFeature(featureId);
        return l?.state === 'linked' && l.statusName && outcomes.length > 0 ? l : undefined;
      });
      // The event found the link holding the state it shows: nothing new, so its mark was not read for it.
      expect(outcomes).toEqual([`issue ${link.issueKey}: older than the state applied`]);
      expect(reads()).toBe(0);
      expect(link.statusName).toBe('To Do');
    } finally {
      links.recordCreatedIssue = record;
    }
  });
});
