import { eq } from 'drizzle-orm';
import { createCloudClient } from 'jira.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dedupeDocuments, devMail, triageDecisions, webhookDeliveries } from '../src/store/schema.ts';
import { startService, type TestService, waitFor } from './helpers/service.ts';

/**
 * Erasure and the words a feature took from the erased request: its title (in the API, in the tracker issue's title
 * and link back), the index's copy of it, other decisions' evidence, and stored tracker webhooks. A title that is no
 * requester's (an imported issue's) and an issue title the product owner rewrote stay.
 */

const ADMIN = 'admin-token-erasure-titles-0123';
let svc: TestService;
beforeAll(async () => {
  svc = await startService({ yaml: 'push:\n  coalesceSeconds: 1\n', env: { ADMIN_TOKEN: ADMIN } });
}, 120_000);
afterAll(async () => {
  await svc?.stop();
});

const erase = async (requesterId: string) => {
  const res = await fetch(`${svc.url}/v1/requesters/${requesterId}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${ADMIN}` },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { featuresRenamed: number };
};

async function submit(body: Record<string, unknown>) {
  const res = await svc.post('/v1/requests', body);
  expect(res.status).toBe(202);
  const { id } = (await res.json()) as { id: string };
  const featureId = await svc.featureOf(id);
  const view = (await (await svc.get(`/v1/requests/${id}`)).json()) as { requester: { id: string } };
  return { requestId: id, featureId, requesterId: view.requester.id };
}

const featureTitle = async (id: string) =>
  ((await (await svc.get(`/v1/features/${id}`)).json()) as { title: string }).title;

async function settledLinks(featureId: string, count = 1) {
  return waitFor(
    `feature ${featureId} pushed`,
    async () => {
      const links = await svc.runtime.store.links.forFeature(featureId);
      const done = links.filter((l) => l.state === 'linked' && l.issueId && !l.dirtySince);
      return done.length === count ? done : undefined;
    },
    60_000,
  );
}

/** Every stored webhook delivery, as text. */
const storedDeliveries = async () =>
  JSON.stringify(await svc.runtime.store.db.select().from(webhookDeliveries)).toLowerCase();

const jiraClient = () => {
  const { jira, credentials } = svc.emulators();
  return createCloudClient({
    host: jira.url,
    auth: { type: 'basic', email: credentials.jira.email, apiToken: credentials.jira.apiToken },
  });
};
const jiraIssue = (key: string | null) =>
  [...svc.emulators().jira.state.issues.values()].find((i) => i.key === key);

describe('erasure and feature titles', () => {
  it('a feature named by the erased request takes the next request title, here and in Linear', async () => {
    const priyaTitle = 'Priya Ramaswamy (priya.r@gmail.com, +44 7700 900123) wants SSO';
    const priya = await submit({
      title: priyaTitle,
      body: 'We need SSO for 400 staff.',
      requester: { email: 'priya.r@gmail.com', name: 'Priya Ramaswamy', company: { name: 'Indigo' } },
    });
    // Bob's text misspells a word of hers: triage matches it as a typo of the word her request has.
    const bob = await submit({
      title: 'Single sign-on through Okta',
      body: 'Okta SSO please, Ramaswammy asked too.',
      requester: { email: 'bob@beta.io', name: 'Bob Beta', company: { name: 'Beta' } },
    });
    const featureId = priya.featureId;
    if (bob.featureId !== featureId) {
      const merged = await svc.post(`/v1/features/${bob.featureId}/merge`, { into: featureId });
      expect(merged.status).toBe(200);
    }
    // Bob's issue, if his request made one, stays with his merged feature (closed as a duplicate of hers).
    const [link] = await settledLinks(featureId, 1).then((links) =>
      links.filter((l) => l.mergedFromFeatureId === null),
    );
    const linear = svc.emulators().linear;
    const issueId = link?.issueId ?? '';
    expect(linear.state.issues.get(issueId)?.title).toBe(priyaTitle);
    // The emulator told us about the issue (its body quoting her): what we stored of that is no text.
    await waitFor('a webhook about the issue applied', async () => {
      const rows = await svc.runtime.store.db.select().from(webhookDeliveries);
      return rows.some((r) => r.processedAt && JSON.stringify(r.payload).includes(issueId))
        ? true
        : undefined;
    });
    const evidence = async () =>
      JSON.stringify(await svc.runtime.store.db.select().from(triageDecisions)).toLowerCase();
    const typoMatched = (await evidence()).includes('ramaswami');

    expect(await erase(priya.requesterId)).toMatchObject({ featuresRenamed: 1 });

    expect(await featureTitle(featureId)).toBe('Single sign-on through Okta');
    const list = await (await svc.get('/v1/features?limit=100')).text();
    expect(list).not.toContain('Ramaswamy');
    expect(list).not.toContain('900123');
    await waitFor('the Linear issue retitled', async () =>
      linear.state.issues.get(issueId)?.title === 'Single sign-on through Okta' ? true : undefined,
    );
    // What the index and other decisions hold of her words is gone (when triage matched her word at all).
    const documents = JSON.stringify(await svc.runtime.store.db.select().from(dedupeDocuments));
    expect(documents.toLowerCase()).not.toContain('ramaswami');
    if (typoMatched) expect(await evidence()).not.toContain('ramaswami');
    const stored = await storedDeliveries();
    for (const words of ['ramaswamy', 'priya.r@gmail.com', '900123', 'sso for 400 staff'])
      expect(stored).not.toContain(words);
  });

  it('alone on its feature, the Jira summary and link back become a placeholder; stored webhooks hold no text', async () => {
    const title = 'Maria Lopez (maria.lopez@hotmail.com) wants an audit log';
    const maria = await submit({
      title,
      body: 'Our auditors ask every quarter. Maria',
      tags: ['jira'],
      requester: { email: 'maria.lopez@hotmail.com', name: 'Maria Lopez', company: { name: 'Lopez SL' } },
    });
    const [link] = await settledLinks(maria.featureId);
    expect(jiraIssue(link?.issueKey ?? null)?.summary).toBe(title);
    await waitFor('a Jira webhook about the issue applied', async () => {
      const rows = await svc.runtime.store.db.select().from(webhookDeliveries);
      const id = link?.issueId ?? '';
      return rows.some((r) => r.processedAt && JSON.stringify(r.payload).includes(id)) ? true : undefined;
    });

    await erase(maria.requesterId);
    const placeholder = `Feature request ${maria.featureId.slice(0, 8)} (requester erased)`;
    expect(await featureTitle(maria.featureId)).toBe(placeholder);
    // The summary is rewritten first, then the link back.
    await waitFor('the Jira summary and link back renamed', async () => {
      const issue = jiraIssue(link?.issueKey ?? null);
      return issue?.summary === placeholder &&
        issue.remoteLinks.every((l) => l.object.title === `Suggested: ${placeholder}`)
        ? true
        : undefined;
    });
    expect(jiraIssue(link?.issueKey ?? null)?.remoteLinks).toHaveLength(1);
    const stored = await storedDeliveries();
    for (const words of ['maria', 'auditors']) expect(stored).not.toContain(words);
  });

  it('a Jira summary the product owner rewrote stays theirs; the link back still follows', async () => {
    const ken = await submit({
      title: 'Ken Adams (ken@adams.io) wants CSV export',
      tags: ['jira'],
      requester: { email: 'ken@adams.io', name: 'Ken Adams' },
    });
    const [link] = await settledLinks(ken.featureId);
    await jiraClient().issues.editIssue({
      issueIdOrKey: link?.issueKey ?? '',
      fields: { summary: 'CSV export of the request list' },
    });

    await erase(ken.requesterId);
    const placeholder = `Feature request ${ken.featureId.slice(0, 8)} (requester erased)`;
    await waitFor('the link back renamed', async () =>
      jiraIssue(link?.issueKey ?? null)?.remoteLinks.some((l) => l.object.title.includes(placeholder))
        ? true
        : undefined,
    );
    expect(jiraIssue(link?.issueKey ?? null)?.summary).toBe('CSV export of the request list');
  });

  it("another person's dev-outbox mail that shares a word with the old title stays", async () => {
    const zoe = await submit({
      title: 'Xylograph',
      requester: { email: 'zoe.x@example.org', name: 'Zoe X', company: { name: 'Zed' } },
    });
    const unrelated = {
      messageId: '<unrelated-xylograph@mail.example>',
      to: 'Sam <sam@elsewhere.example>',
      subject: 'Xylograph workshop on Friday',
      raw: 'Subject: Xylograph workshop on Friday\r\n\r\nBring your own xylograph.',
    };
    await svc.runtime.store.db.insert(devMail).values(unrelated);

    expect(await erase(zoe.requesterId)).toMatchObject({ featuresRenamed: 1 });

    const kept = await svc.runtime.store.db
      .select({ subject: devMail.subject })
      .from(devMail)
      .where(eq(devMail.messageId, unrelated.messageId));
    expect(kept).toEqual([{ subject: unrelated.subject }]);
  });

  it("an imported issue's title is not the requester's, and stays", async () => {
    const created = await jiraClient().issues.createIssue({
      fields: { project: { key: 'SBX' }, summary: 'Bulk edit of tags', issuetype: { name: 'Task' } },
    });
    const imported = await svc.runtime.application.backlog.importIssue(
      {
        kind: 'jira',
        site: 'sandbox',
        issueId: created.id,
        issueKey: created.key,
        url: `${svc.emulators().jira.url}/browse/${created.key}`,
        statusName: 'To Do',
        category: 'new',
        updatedAt: new Date().toISOString(),
      },
      'Bulk edit of tags',
    );
    if (imported.outcome !== 'imported') throw new Error('the issue was not imported');
    const lena = await submit({
      title: 'Bulk edit of tags',
      body: 'Lena here, 300 tickets to relabel.',
      requester: { email: 'lena@tagco.io', name: 'Lena' },
    });
    expect(lena.featureId).toBe(imported.featureId);

    expect(await erase(lena.requesterId)).toMatchObject({ featuresRenamed: 0 });
    expect(await featureTitle(imported.featureId)).toBe('Bulk edit of tags');
  });
});
