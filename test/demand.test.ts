import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demandMarkdown } from '../src/rules/demand.ts';
import { startService, type TestService, validRequest, waitFor } from './helpers/service.ts';

let svc: TestService;
beforeAll(async () => {
  svc = await startService();
});
afterAll(async () => {
  await svc?.stop();
});

describe('the demand a tracker issue shows, read from the store', () => {
  it('counts, companies by revenue, tiers, total revenue, and quotes with the customer words first', async () => {
    const post = async (body: Record<string, unknown>) => {
      const res = await svc.post('/v1/requests', validRequest({ title: 'Audit log export', ...body }));
      expect(res.status).toBe(202);
      return ((await res.json()) as { id: string }).id;
    };
    await post({
      body: '',
      requester: {
        email: 'a@big.co',
        name: 'Ann',
        company: { name: 'BigCo', revenue: 900_000, tier: 'enterprise' },
      },
      receivedAt: '2026-03-01T00:00:00Z',
    });
    const withWords = await post({
      body: 'We need SOC2 evidence.',
      requester: { email: 'b@big.co', name: 'Bob' },
      receivedAt: '2026-01-01T00:00:00Z',
    });
    await post({
      body: 'Monthly export please',
      requester: { email: 'c@small.io', company: { name: 'Small', revenue: 12_000, tier: 'startup' } },
      receivedAt: '2026-02-01T00:00:00Z',
    });
    await post({
      body: 'Same here',
      requester: { email: 'd@gmail.com', name: 'Dee' },
      receivedAt: '2026-02-15T00:00:00Z',
    });
    const featureId = await waitFor('all four triaged into one feature', async () => {
      const list = (await (await svc.get('/v1/features')).json()) as {
        data: Array<{ id: string; title: string; requestCount: number }>;
      };
      const f = list.data.find((x) => x.title === 'Audit log export');
      return f?.requestCount === 4 ? f.id : undefined;
    });

    const demand = await svc.runtime.store.demand.load(featureId, {
      featureUrl: `https://suggested.example/f/${featureId}`,
    });
    expect(demand).toMatchObject({
      requestCount: 4,
      requesterCount: 4,
      companyCount: 2,
      totalRevenue: 912_000,
    });
    expect(demand?.companies.map((c) => [c.name, c.requests])).toEqual([
      ['BigCo', 2],
      ['Small', 1],
    ]);
    expect(demand?.tiers).toEqual([
      { tier: 'enterprise', companies: 1 },
      { tier: 'startup', companies: 1 },
    ]);
    // Requests with a body first, newest first; the empty-bodied one comes last, quoted by its title.
    expect(demand?.quotes.map((q) => q.text)).toEqual([
      'Same here',
      'Monthly export please',
      'We need SOC2 evidence.',
      'Audit log export',
    ]);
    expect(demand?.quotes.find((q) => q.requestId === withWords)).toMatchObject({
      requesterName: 'Bob',
      companyName: 'BigCo',
    });

    const markdown = demandMarkdown(demand ?? (undefined as never));
    expect(markdown).toContain('BigCo');
    expect(markdown).toContain('912,000');
    expect(markdown).toContain(`https://suggested.example/f/${featureId}`);
  });

  it('is undefined for an unknown feature', async () => {
    expect(
      await svc.runtime.store.demand.load('00000000-0000-4000-8000-000000000000', { featureUrl: 'x' }),
    ).toBeUndefined();
  });
});
