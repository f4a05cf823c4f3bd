import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageLinks } from '../src/rules/notify/links.ts';
import { requesters, unsubscribes } from '../src/store/schema.ts';
import { loadTokenKey } from '../src/store/secrets.repo.ts';
import {
  type linearDriver,
  type MailingService,
  requesterIdOf,
  startMailingService,
} from './helpers/notify.ts';
import { type TestService, waitFor } from './helpers/service.ts';
import type { ReceivedMail, SmtpTestServer } from './helpers/smtp.ts';

/**
 * Stops and merges, end to end: the "merged into B" email is about the merged-away feature A, so its links carry
 * A; saying stop through them must stop mail about B, where the request now is. A stop said about A before the
 * merge carries over to B. Real SMTP on loopback, status changes through the Linear emulator.
 */

let smtp: SmtpTestServer;
let svc: TestService;
let drive: ReturnType<typeof linearDriver>;
let mailing: MailingService | undefined;

beforeAll(async () => {
  mailing = await startMailingService({
    env: { MAIL_FROM: 'Acme <updates@acme.test>', NOTIFY_COALESCE_SECONDS: '0' },
    yaml: ['push:', '  coalesceSeconds: 1'].join('\n'),
  });
  ({ smtp, svc, drive } = mailing);
}, 120_000);
afterAll(() => mailing?.stop());

/** The mail's link, on this test's service (PUBLIC_URL names another origin). */
function onService(url: string): string {
  const u = new URL(url);
  return `${svc.url}${u.pathname}${u.search}`;
}

const mailTo = (address: string) => waitFor(`mail to ${address}`, async () => smtp.to(address)[0], 60_000);

const stopsOf = async (requesterId: string) =>
  (await svc.runtime.store.db.select().from(unsubscribes).where(eq(unsubscribes.requesterId, requesterId)))
    .map((s) => [s.featureId, s.via])
    .sort();

describe('unsubscribing across a merge', () => {
  it('a stop through the merged email’s links, or said before the merge, holds for the survivor', async () => {
    const a = await drive.featureWith('Kanban swimlanes', [
      { email: 'ann@wayne.io', name: 'Ann' },
      { email: 'bea@wayne.io', name: 'Bea' },
      { email: 'cy@wayne.io', name: 'Cy' },
    ]);
    const b = await drive.featureWith('Gantt timeline view', [{ email: 'dee@wayne.io', name: 'Dee' }]);
    const [ann, bea, cy, dee] = await Promise.all(
      ['ann', 'bea', 'cy', 'dee'].map((n) => requesterIdOf(svc, `${n}@wayne.io`)),
    );
    if (!ann || !bea || !cy || !dee) throw new Error('four requesters');

    // Cy stops mail about A before any merge, through the unsubscribe page of a link about A.
    const [cyRow] = await svc.runtime.store.db.select().from(requesters).where(eq(requesters.id, cy));
    const cyLinks = messageLinks({
      publicUrl: svc.url,
      key: await loadTokenKey(svc.runtime.store.db),
      requesterId: cy,
      tokenVersion: cyRow?.tokenVersion ?? 0,
      requestId: a.requestIds[2] ?? '',
      featureId: a.featureId,
    });
    const cyStop = await fetch(cyLinks.unsubscribe, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'choice=feature',
    });
    expect(cyStop.status).toBe(200);

    const merged = await svc.post(`/v1/features/${a.featureId}/merge`, { into: b.featureId });
    expect(merged.status).toBe(200);
    const annMail: ReceivedMail = await mailTo('ann@wayne.io');
    const beaMail: ReceivedMail = await mailTo('bea@wayne.io');
    expect(annMail.parsed.text).toContain('Gantt timeline view');

    // Ann uses the page link in the text, Bea her mail client's one-click (List-Unsubscribe).
    const pageUrl = /https?:\/\/[^\s]+\/unsubscribe\/[A-Za-z0-9_-]+(?=\s|$)/.exec(
      annMail.parsed.text ?? '',
    )?.[0];
    if (!pageUrl) throw new Error('no unsubscribe link in the merged email');
    const page = await fetch(onService(pageUrl));
    expect(await page.text()).toContain('Stop emails about “Gantt timeline view”');
    const annStop = await fetch(onService(pageUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'choice=feature',
    });
    expect(annStop.status).toBe(200);
    expect(await annStop.text()).toContain('no more emails about “Gantt timeline view”');
    const header = beaMail.parsed.headerLines.find((h) => h.key === 'list-unsubscribe')?.line ?? '';
    const oneClick = /<(https?:\/\/[^>]+\/one-click)>/.exec(header)?.[1];
    if (!oneClick) throw new Error(`no one-click URL in ${header}`);
    const beaStop = await fetch(onService(oneClick), { method: 'POST', body: 'List-Unsubscribe=One-Click' });
    expect(beaStop.status).toBe(200);

    // B changes (both issues, A's now B's too, are started): only Dee, whose request was always B's, hears of it.
    await drive.move(a.issueId, 'started');
    await drive.move(b.issueId, 'started');
    await drive.statusIs(b.featureId, 'in_progress');
    await mailTo('dee@wayne.io');
    const rows = await waitFor('B’s outbox settled', async () => {
      const found = (await drive.rows(b.featureId)).filter((r) => r.status === 'in_progress');
      return found.length && found.every((r) => r.state !== 'pending' && r.state !== 'sending')
        ? found
        : undefined;
    });
    expect(rows.filter((r) => r.state === 'sent').map((r) => r.requesterId)).toEqual([dee]);
    expect(smtp.to('ann@wayne.io')).toHaveLength(1);
    expect(smtp.to('bea@wayne.io')).toHaveLength(1);
    expect(smtp.to('cy@wayne.io')).toHaveLength(0);

    // The stops name the feature the link was about and the one it was merged into; Cy's was copied by the merge.
    expect(await stopsOf(ann)).toEqual(
      [
        [a.featureId, 'page'],
        [b.featureId, 'page'],
      ].sort(),
    );
    expect(await stopsOf(cy)).toEqual(
      [
        [a.featureId, 'page'],
        [b.featureId, 'merge'],
      ].sort(),
    );

    // Undoing the merge takes back the copies it made; stops people said themselves stay.
    const unmerged = await svc.post(`/v1/features/${a.featureId}/unmerge`, {});
    expect(unmerged.status).toBe(200);
    expect(await stopsOf(cy)).toEqual([[a.featureId, 'page']]);
    expect(await stopsOf(ann)).toHaveLength(2);
  });
});
