import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { startService, type TestService, validRequest, waitFor } from './helpers/service.ts';

/**
 * A push that fails on our side (the database refuses a write) says so on the link, where the API shows it; what
 * the database said (the failed query, its SQL) stays in the log.
 */

let svc: TestService | undefined;
afterEach(async () => {
  await svc?.stop();
  svc = undefined;
});

interface LinkView {
  lastError: { kind: string; message: string } | null;
}

describe('a push that fails on our side', () => {
  it('shows a fixed message with the database code, never the query', async () => {
    svc = await startService({ yaml: 'push:\n  coalesceSeconds: 0' });
    const s = svc;
    // Recording the customer requests carried to Linear is refused, as a constraint would refuse it.
    await s.runtime.store.db.execute(
      sql.raw(`
      create function refuse_link_requests() returns trigger language plpgsql as $$
      begin
        raise exception 'refused by the test' using errcode = '23514', constraint = 'test_refusal';
      end $$`),
    );
    await s.runtime.store.db.execute(
      sql.raw(`
      create trigger refuse_link_requests before insert on tracker_link_requests
        for each row execute function refuse_link_requests()`),
    );
    const res = await s.post('/v1/requests', validRequest({ requester: { email: 'ie@acme.io' } }));
    const featureId = await s.featureOf(((await res.json()) as { id: string }).id);
    const link = await waitFor('the push failure on the link', async () => {
      const f = (await (await s.get(`/v1/features/${featureId}`)).json()) as { links: LinkView[] };
      return f.links[0]?.lastError?.kind === 'internal' ? f.links[0] : undefined;
    });
    expect(link.lastError?.message).toBe(
      'internal error while recording the push; see the log (code 23514, constraint test_refusal)',
    );
    const failed = s.logs.find((l) => l.includes('tracker push failed'));
    expect(failed).toContain('tracker_link_requests');
  });
});
