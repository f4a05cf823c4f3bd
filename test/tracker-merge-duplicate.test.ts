import type { JiraEmulator } from '@suggested-sync/emulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJiraTracker } from '../src/connectors/jira/tracker.ts';
import { type AdfDoc, adfPlainText } from '../src/rules/demand.ts';
import { startService, type TestService, validRequest, waitFor } from './helpers/service.ts';

/**
 * A merge in Suggested Sync is a merge in Jira: through the HTTP API, the merge use case and the push job (sandbox
 * mode, the Jira emulator), the merged feature's issue is closed as a duplicate of the survivor's, which then counts
 * every request once; an unmerge reopens it with its own demand. A workflow with no done transition leaves the
 * issue as it was and says why on the link.
 */

let svc: TestService;
beforeAll(async () => {
  svc = await startService({ yaml: 'push:\n  coalesceSeconds: 0\n' });
});
afterAll(async () => {
  await svc?.stop();
});

interface FeatureView {
  status: string;
  requestCount: number;
  links: Array<{ issueKey: string | null; lastError: { kind: string; message: string } | null }>;
}

const jira = (): JiraEmulator => svc.emulators().jira;

async function feature(id: string): Promise<FeatureView> {
  return (await (await svc.get(`/v1/features/${id}`)).json()) as FeatureView;
}

/** A request routed to Jira; waits until its feature's issue is pushed and clean. */
async function pushed(title: string, email: string) {
  const res = await svc.post('/v1/requests', validRequest({ title, tags: ['jira'], requester: { email } }));
  const featureId = await svc.featureOf(((await res.json()) as { id: string }).id);
  const link = await waitFor(`feature ${featureId} pushed`, async () => {
    const [l] = await svc.runtime.store.links.forFeature(featureId);
    return l?.state === 'linked' && l.issueId && !l.dirtySince && l.statusName ? l : undefined;
  });
  return { featureId, linkId: link.id, issueId: link.issueId ?? '', issueKey: link.issueKey ?? '' };
}

const issue = (key: string) => {
  const found = jira().state.findIssue(key);
  if (!found) throw new Error(`no issue ${key}`);
  return found;
};
const statusName = (key: string) =>
  ({ '10000': 'To Do', '3': 'In Progress', '10001': 'Done', '10002': "Won't Do" })[issue(key).statusId];
const description = (key: string) =>
  ((issue(key).description as AdfDoc | null)?.content ?? []).map((n) => adfPlainText(n)).join('\n');
const linksOf = (issueId: string) =>
  [...jira().state.links.values()].filter((l) => l.inwardIssueId === issueId || l.outwardIssueId === issueId);

describe('merging two features with Jira issues', () => {
  it('closes the merged one as a duplicate, counts the demand once, and an unmerge reopens it', async () => {
    const merged = await pushed('Dark mode for the editor', 'ann@acme.io');
    const survivor = await pushed('Export invoices as CSV', 'bob@beta.io');
    await svc.post(
      '/v1/requests',
      validRequest({ title: 'Export invoices as CSV', tags: ['jira'], requester: { email: 'cy@gamma.io' } }),
    );
    await waitFor('the survivor has two requests', async () =>
      (await feature(survivor.featureId)).requestCount === 2 ? true : undefined,
    );

    expect(
      (await svc.post(`/v1/features/${merged.featureId}/merge`, { into: survivor.featureId })).status,
    ).toBe(200);
    const closed = await waitFor('the merged issue closed', async () => {
      const [l] = await svc.runtime.store.links.forFeature(merged.featureId);
      return l?.closedAsDuplicateOf === survivor.issueId && !l.dirtySince ? l : undefined;
    });
    expect(closed.statusBeforeClose).toBe('To Do');
    // The merged issue "duplicates" the survivor's (Jira's inward side), is done with resolution Duplicate, and
    // says where its demand went.
    expect(linksOf(merged.issueId)).toEqual([
      expect.objectContaining({
        typeId: '10002',
        inwardIssueId: merged.issueId,
        outwardIssueId: survivor.issueId,
      }),
    ]);
    expect(statusName(merged.issueKey)).toBe('Done');
    expect(issue(merged.issueKey).resolutionId).toBe('10002');
    expect(description(merged.issueKey)).toContain(
      `The customer demand for this need is counted on ${survivor.issueKey} (Export invoices as CSV).`,
    );
    expect(description(merged.issueKey)).not.toContain('1 request');
    // The survivor's issue counts all three requests, once; its feature keeps its own status.
    await waitFor('the survivor re-pushed', async () =>
      description(survivor.issueKey).includes('3 requests from 3 requesters') ? true : undefined,
    );
    const [survivorLink] = await svc.runtime.store.links.forFeature(survivor.featureId);
    expect(survivorLink?.id).toBe(survivor.linkId);
    expect((await svc.runtime.store.links.forFeature(survivor.featureId)).length).toBe(1);
    expect((await feature(survivor.featureId)).status).toBe('under_review');

    expect((await svc.post(`/v1/features/${merged.featureId}/unmerge`, {})).status).toBe(200);
    await waitFor('the merged issue reopened', async () => {
      const [l] = await svc.runtime.store.links.forFeature(merged.featureId);
      return l && l.closedAsDuplicateOf === null && !l.dirtySince && statusName(merged.issueKey) === 'To Do'
        ? l
        : undefined;
    });
    expect(linksOf(merged.issueId)).toEqual([]);
    expect(issue(merged.issueKey).resolutionId).toBeNull();
    await waitFor('its own demand back', async () =>
      description(merged.issueKey).includes('1 request from 1 requester') ? true : undefined,
    );
    expect(description(merged.issueKey)).not.toContain('counted on');
    await waitFor('the survivor counts its own again', async () =>
      description(survivor.issueKey).includes('2 requests from 2 requesters') ? true : undefined,
    );
    const unmerged = await feature(merged.featureId);
    expect(unmerged.status).toBe('under_review');

    // A late delivery of our close's Duplicate link merges nothing again: the issue no longer duplicates B's.
    const emulators = svc.emulators();
    const tracker = createJiraTracker({
      site: 'sandbox',
      host: emulators.jira.url,
      email: emulators.credentials.jira.email,
      apiToken: emulators.credentials.jira.apiToken,
    });
    const late = {
      issueId: merged.issueId,
      duplicateOfIssueId: survivor.issueId,
      at: new Date().toISOString(),
    };
    const [outcome] = await svc.runtime.application.trackerEvents.applyEvents(
      tracker,
      [{ type: 'duplicate-marked', ...late }],
      'tracker',
    );
    expect(outcome).toContain('no longer a duplicate');
    expect((await feature(merged.featureId)).status).toBe('under_review');
  });

  it('a workflow with no done transition: the link says why, and no Duplicate link is made', async () => {
    const merged = await pushed('Keyboard shortcuts in the inbox', 'dee@acme.io');
    const survivor = await pushed('Two-factor login with TOTP', 'eve@beta.io');
    jira().state.unavailableTransitions.add('31').add('41');
    try {
      expect(
        (await svc.post(`/v1/features/${merged.featureId}/merge`, { into: survivor.featureId })).status,
      ).toBe(200);
      const link = await waitFor('the refusal on the link', async () => {
        const f = await feature(merged.featureId);
        return f.links[0]?.lastError ? f.links[0] : undefined;
      });
      expect(link.lastError?.kind).toBe('invalid_input');
      expect(link.lastError?.message).toContain(`${merged.issueKey} (status "To Do")`);
      expect(linksOf(merged.issueId)).toEqual([]);
      expect(statusName(merged.issueKey)).toBe('To Do');
      const [row] = await svc.runtime.store.links.forFeature(merged.featureId);
      expect(row?.closedAsDuplicateOf).toBeNull();
    } finally {
      jira().state.unavailableTransitions.clear();
    }
  });
});
