import { createHmac } from 'node:crypto';
import { LinearClient, type LinearDocument } from '@linear/sdk';
import { LinearWebhookClient } from '@linear/sdk/webhooks';
import { type LinearEmulator, startLinearEmulator } from '@suggested-sync/emulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ReceivedWebhook, startWebhookReceiver } from '../../../test/helpers/webhook-receiver.ts';
import type { TrackerEvent } from '../../connectors/tracker.ts';
import { defaultStatusMap, mapStatus } from '../../rules/status-map.ts';
import { linearSpec } from './spec.ts';
import { parseLinearWebhook, verifyLinearWebhook } from './webhook.ts';

const TIMESTAMP_TOLERANCE_MS = linearSpec.webhook.timestampToleranceMs;

/**
 * Verification and parsing on deliveries captured from the Linear emulator (signed as Linear signs them), not on
 * hand-written payloads; verification is checked against the SDK's own LinearWebhookClient.
 */

const SECRET = 'lin_wh_unit_secret';
const WORKSPACE = 'sandbox';

let emulator: LinearEmulator;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
let deliveries: ReceivedWebhook[];
let ids: { original: string; copy: string; relation: string };

interface Body {
  type: string;
  action: string;
  webhookTimestamp: number;
  data: Record<string, unknown> & { id: string; state?: { type: string } };
}
const body = (d: ReceivedWebhook) => JSON.parse(d.rawBody) as Body;
const find = (type: string, action: string, id: string, stateType?: string) => {
  const found = deliveries.find((d) => {
    const b = body(d);
    return (
      b.type === type &&
      b.action === action &&
      b.data.id === id &&
      (!stateType || b.data.state?.type === stateType)
    );
  });
  if (!found) throw new Error(`no ${type} ${action} delivery for ${id} ${stateType ?? ''}`);
  return found;
};

beforeAll(async () => {
  emulator = await startLinearEmulator({ port: 0, webhookRetryDelaysMs: [50] });
  receiver = await startWebhookReceiver();
  const client = new LinearClient({ apiKey: 'lin_api_sandbox', apiUrl: emulator.apiUrl });
  await client.createWebhook({
    url: receiver.url,
    allPublicTeams: true,
    resourceTypes: ['Issue', 'Comment'],
    secret: SECRET,
  });
  const team = emulator.state.findTeam('SBX');
  if (!team) throw new Error('no SBX team');
  const stateIds = Object.fromEntries(emulator.state.teamStates(team.id).map((s) => [s.type, s.id]));
  const create = async (title: string, stateId?: string) =>
    (await client.createIssue({ teamId: team.id, title, ...(stateId ? { stateId } : {}) })).issueId ?? '';
  const original = await create('Dark mode', stateIds['triage']);
  const copy = await create('Night theme');
  await client.updateIssue(original, { stateId: stateIds['started'] ?? '' });
  const relation = await client.createIssueRelation({
    issueId: copy,
    relatedIssueId: original,
    type: 'duplicate' as LinearDocument.IssueRelationType,
  });
  await client.createComment({ issueId: original, body: 'Two more customers asked.' });
  await client.deleteIssue(original);
  await emulator.deliverer.idle();
  deliveries = [...receiver.received];
  ids = { original, copy, relation: relation.issueRelationId ?? '' };
});

afterAll(async () => {
  await receiver.close();
  await emulator.close();
});

const sign = (raw: string, secret = SECRET) => createHmac('sha256', secret).update(raw).digest('hex');
/** The SDK's verdict, at the real clock (it offers no other). */
const sdkAccepts = (raw: Buffer, signature: string, secret = SECRET) => {
  try {
    return new LinearWebhookClient(secret).verify(raw, signature);
  } catch {
    return false;
  }
};

describe('verifyLinearWebhook', () => {
  it('accepts every captured delivery, as the SDK does', () => {
    expect(deliveries.length).toBeGreaterThanOrEqual(6);
    for (const d of deliveries) {
      const raw = Buffer.from(d.rawBody);
      expect(verifyLinearWebhook(d.headers, raw, SECRET, body(d).webhookTimestamp)).toEqual({ ok: true });
      expect(verifyLinearWebhook(d.headers, raw, SECRET, Date.now())).toEqual({ ok: true });
      expect(sdkAccepts(raw, String(d.headers['linear-signature']))).toBe(true);
    }
  });

  // Variants of a real delivery, each judged by both verifiers at the real clock.
  const variants: Array<{
    name: string;
    make: (raw: string, sig: string) => { raw: string; sig: string };
    ok: boolean;
  }> = [
    { name: 'as delivered', make: (raw, sig) => ({ raw, sig }), ok: true },
    {
      name: 'one byte of the body changed',
      make: (raw, sig) => ({ raw: raw.replace('"Issue"', '"Issuf"'), sig }),
      ok: false,
    },
    {
      name: 'signed with another secret',
      make: (raw) => ({ raw, sig: sign(raw, 'other-secret') }),
      ok: false,
    },
    { name: 'signature in upper case', make: (raw, sig) => ({ raw, sig: sig.toUpperCase() }), ok: false },
    {
      name: 'signature with a sha256= prefix',
      make: (raw, sig) => ({ raw, sig: `sha256=${sig}` }),
      ok: false,
    },
    { name: 'signature cut short', make: (raw, sig) => ({ raw, sig: sig.slice(0, 32) }), ok: false },
    ...[
      { name: 're-signed 50 s old', ts: () => Date.now() - 50_000, ok: true },
      { name: 're-signed 70 s old (replay)', ts: () => Date.now() - 70_000, ok: false },
      { name: 're-signed 70 s ahead', ts: () => Date.now() + 70_000, ok: false },
      { name: 're-signed with the time in seconds', ts: () => Math.floor(Date.now() / 1000), ok: false },
      { name: 're-signed without webhookTimestamp', ts: () => undefined, ok: false },
    ].map(({ name, ts, ok }) => ({
      name,
      ok,
      make: (raw: string) => {
        const b = JSON.parse(raw) as Record<string, unknown>;
        const resigned = JSON.stringify({ ...b, webhookTimestamp: ts() });
        return { raw: resigned, sig: sign(resigned) };
      },
    })),
  ];

  it.each(variants)('$name: ok=$ok, agreeing with LinearWebhookClient', ({ make, ok }) => {
    const d = find('Issue', 'create', ids.original);
    const { raw, sig } = make(d.rawBody, String(d.headers['linear-signature']));
    const verdict = verifyLinearWebhook({ 'linear-signature': sig }, Buffer.from(raw), SECRET, Date.now());
    expect(verdict.ok).toBe(ok);
    expect(sdkAccepts(Buffer.from(raw), sig)).toBe(ok);
  });

  it('judges the 60 s window by the clock it is given', () => {
    const d = find('Issue', 'create', ids.original);
    const raw = Buffer.from(d.rawBody);
    const ts = body(d).webhookTimestamp;
    expect(verifyLinearWebhook(d.headers, raw, SECRET, ts + TIMESTAMP_TOLERANCE_MS).ok).toBe(true);
    expect(verifyLinearWebhook(d.headers, raw, SECRET, ts - TIMESTAMP_TOLERANCE_MS).ok).toBe(true);
    expect(verifyLinearWebhook(d.headers, raw, SECRET, ts + TIMESTAMP_TOLERANCE_MS + 1)).toEqual({
      ok: false,
      reason: expect.stringContaining('60 s window'),
    });
    expect(verifyLinearWebhook(d.headers, raw, SECRET, ts - TIMESTAMP_TOLERANCE_MS - 1).ok).toBe(false);
  });

  it('finds the header in any case, refuses a missing one and an empty secret', () => {
    const d = find('Issue', 'create', ids.original);
    const raw = Buffer.from(d.rawBody);
    const sig = String(d.headers['linear-signature']);
    const now = body(d).webhookTimestamp;
    expect(verifyLinearWebhook({ 'Linear-Signature': sig }, raw, SECRET, now).ok).toBe(true);
    expect(verifyLinearWebhook({ 'linear-signature': [sig, 'x'] }, raw, SECRET, now).ok).toBe(true);
    expect(verifyLinearWebhook({}, raw, SECRET, now)).toEqual({
      ok: false,
      reason: 'missing Linear-Signature header',
    });
    expect(verifyLinearWebhook(d.headers, raw, '', now).ok).toBe(false);
    const notJson = Buffer.from('not json');
    expect(verifyLinearWebhook({ 'linear-signature': sign('not json') }, notJson, SECRET, now)).toEqual({
      ok: false,
      reason: 'body is not JSON',
    });
  });
});

describe('parseLinearWebhook', () => {
  const parse = (d: ReceivedWebhook) => parseLinearWebhook(Buffer.from(d.rawBody), WORKSPACE);
  const changed = (events: TrackerEvent[]) => {
    const [event] = events;
    if (events.length !== 1 || event?.type !== 'issue-changed')
      throw new Error(`not one change: ${JSON.stringify(events)}`);
    return event.state;
  };

  it('Issue create → issue-changed in its state, with the issue’s own update time', () => {
    const d = find('Issue', 'create', ids.original);
    const data = body(d).data;
    expect(changed(parse(d))).toEqual({
      kind: 'linear',
      site: WORKSPACE,
      issueId: ids.original,
      issueKey: 'SBX-1',
      url: `${emulator.url}/#SBX-1`,
      statusName: 'Triage',
      category: 'triage',
      updatedAt: data['updatedAt'],
    });
  });

  it('Issue update → issue-changed; moved to a duplicate state it maps to merged', () => {
    const started = changed(parse(find('Issue', 'update', ids.original, 'started')));
    expect([started.statusName, started.category]).toEqual(['In Progress', 'started']);
    const duplicate = changed(parse(find('Issue', 'update', ids.copy, 'duplicate')));
    expect(duplicate).toMatchObject({ issueId: ids.copy, issueKey: 'SBX-2', category: 'duplicate' });
    expect(mapStatus(duplicate, defaultStatusMap())).toBe('merged');
  });

  it('Issue remove → issue-deleted at the issue’s update time', () => {
    const d = find('Issue', 'remove', ids.original);
    expect(parse(d)).toEqual([
      { type: 'issue-deleted', issueId: ids.original, at: body(d).data['updatedAt'] },
    ]);
  });

  it('other resource types and non-JSON are ignored with a reason', () => {
    const comment = deliveries.find((d) => body(d).type === 'Comment');
    if (!comment) throw new Error('no Comment delivery');
    expect(parse(comment)).toEqual([
      { type: 'ignored', reason: 'Comment create is not an issue change we track' },
    ]);
    expect(parseLinearWebhook('{', WORKSPACE)).toEqual([{ type: 'ignored', reason: 'body is not JSON' }]);
  });

  it('IssueRelation create of type duplicate → duplicate-marked', async () => {
    // The emulator sends no IssueRelation deliveries (nor does Linear list IssueRelation among its webhook
    // models), so this envelope wraps the relation as the emulator's GraphQL API returns it.
    const client = new LinearClient({ apiKey: 'lin_api_sandbox', apiUrl: emulator.apiUrl });
    const relation = await client.issueRelation(ids.relation);
    const issueId = (await relation.issue)?.id;
    const relatedIssueId = (await relation.relatedIssue)?.id;
    const envelope = (type: string) =>
      JSON.stringify({
        action: 'create',
        type: 'IssueRelation',
        createdAt: relation.createdAt.toISOString(),
        data: { id: relation.id, type, issueId, relatedIssueId, createdAt: relation.createdAt.toISOString() },
      });
    expect(parseLinearWebhook(envelope(relation.type), WORKSPACE)).toEqual([
      {
        type: 'duplicate-marked',
        issueId: ids.copy,
        duplicateOfIssueId: ids.original,
        at: relation.createdAt.toISOString(),
      },
    ]);
    expect(parseLinearWebhook(envelope('related'), WORKSPACE)).toEqual([
      { type: 'ignored', reason: 'IssueRelation of type related' },
    ]);
  });
});
