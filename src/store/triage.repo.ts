import { and, eq, ne, sql } from 'drizzle-orm';
import type { PushTarget } from '../domain/tracker.ts';
import type { FeatureCandidate, MatchDecision, MatchInput } from '../sync/match.ts';
import { titleKey } from '../sync/normalise.ts';
import type { RouteInput } from '../sync/route.ts';
import type { ScoringModel } from '../sync/score.ts';
import type { Db } from './db.ts';
import { type DirtyLink, markLinksDirty, recountFeature, routeInputOf, type Tx } from './feature-writes.ts';
import { type IdentityOptions, resolveIdentity } from './identity.ts';
import { linkIdempotencyKey } from './links.repo.ts';
import { features, requests, trackerLinks, triageDecisions } from './schema.ts';

export interface TriageDeps {
  match: (request: MatchInput, candidates: readonly FeatureCandidate[]) => MatchDecision;
  identity: IdentityOptions;
  scoring: ScoringModel;
  /** When a feature goes to a tracker, and where; absent: nothing is pushed. */
  push?: PushPolicy | undefined;
}

export interface PushPolicy {
  minRequests: number;
  minScore: number;
  route: (input: RouteInput) => PushTarget;
}

export type TriageOutcome =
  | { kind: 'missing' }
  | { kind: 'already-triaged'; featureId: string | null }
  | {
      kind: 'triaged';
      featureId: string;
      action: 'attached' | 'created';
      requesterId: string;
      companyId: string | null;
      /** Links to push now that the feature's demand changed (and passes the bar). */
      links: DirtyLink[];
    };

/**
 * Once a feature passes the push bar, it gets a link to the routed target (written before any tracker call, with
 * its idempotency key), and every live link is marked dirty: the same transaction as the demand change, so the
 * reconciler finds the work even if the enqueue after commit is lost.
 */
async function markForPush(tx: Tx, featureId: string, policy: PushPolicy): Promise<DirtyLink[]> {
  const [feature] = await tx
    .select({ requestCount: features.requestCount, score: features.score })
    .from(features)
    .where(eq(features.id, featureId));
  if (!feature || feature.requestCount < policy.minRequests || feature.score < policy.minScore) return [];
  const [existing] = await tx
    .select({ id: trackerLinks.id })
    .from(trackerLinks)
    .where(eq(trackerLinks.featureId, featureId))
    .limit(1);
  if (!existing) {
    const target = policy.route(await routeInputOf(tx, featureId));
    const site = target.kind === 'jira' ? target.site : target.workspace;
    await tx
      .insert(trackerLinks)
      .values({
        featureId,
        kind: target.kind,
        site,
        target,
        idempotencyKey: linkIdempotencyKey(featureId, target),
        primary: true,
      })
      .onConflictDoNothing();
  }
  return markLinksDirty(tx, featureId);
}

/**
 * Triage one request in one transaction: resolve the requester and company, pick or create its feature, record the
 * decision, recount the feature. Idempotent: a request already triaged is left as it is, so a job that runs twice
 * (a retry, a stalled job, a reconciler re-enqueue) ends where one clean run would.
 */
export function createTriageRepo(db: Db, deps: TriageDeps) {
  return {
    async triage(requestId: string): Promise<TriageOutcome> {
      return db.transaction(async (tx) => {
        const [request] = await tx.select().from(requests).where(eq(requests.id, requestId)).for('update');
        if (!request) return { kind: 'missing' };
        if (request.triagedAt) return { kind: 'already-triaged', featureId: request.featureId };

        const { requesterId, companyId } = await resolveIdentity(
          tx,
          request.submittedRequester,
          deps.identity,
          request.source,
        );

        const key = titleKey(request.title);
        // Serialises triage of requests with the same title so two of them cannot both create a feature.
        await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`feature-title:${key}`}))`);
        const candidates = await tx
          .select({ id: features.id, titleKey: features.titleKey, requestCount: features.requestCount })
          .from(features)
          .where(and(eq(features.titleKey, key), ne(features.status, 'merged')))
          .limit(50);
        const decision = deps.match({ title: request.title, titleKey: key }, candidates);

        let featureId: string;
        if (decision.action === 'attach') {
          featureId = decision.featureId;
          // Candidates were read without a lock: a merge may have committed since. Follow it to the live feature.
          for (let hops = 0; ; hops++) {
            const [locked] = await tx
              .select({ mergedIntoId: features.mergedIntoId })
              .from(features)
              .where(eq(features.id, featureId))
              .for('update');
            if (!locked?.mergedIntoId || hops >= 20) break;
            featureId = locked.mergedIntoId;
          }
        } else {
          const [created] = await tx
            .insert(features)
            .values({ title: request.title, titleKey: key, lastRequestedAt: request.receivedAt })
            .returning({ id: features.id });
          if (!created) throw new Error('feature insert returned no row');
          featureId = created.id;
        }

        await tx
          .update(requests)
          .set({ requesterId, companyId, featureId, triagedAt: sql`now()` })
          .where(eq(requests.id, requestId));
        const action = decision.action === 'attach' ? 'attached' : 'created';
        await tx.insert(triageDecisions).values({
          requestId,
          featureId,
          action,
          method: decision.method,
          score: decision.score,
          evidence: decision.evidence,
        });
        await recountFeature(tx, featureId, deps.scoring);
        const links = deps.push ? await markForPush(tx, featureId, deps.push) : [];
        return { kind: 'triaged', featureId, action, requesterId, companyId, links };
      });
    },
  };
}

export type TriageRepo = ReturnType<typeof createTriageRepo>;
