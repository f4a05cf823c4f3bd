import { createDedupeEngine, type DedupeEngine } from '../rules/dedupe/engine.ts';
import { type PersonMapping, peopleDirectory } from '../rules/people.ts';
import { DEFAULT_SCORING, type ScoringModel } from '../rules/score.ts';
import { createCompanyFolds, withCompanyFolds } from './company-fold.ts';
import { type Database, type DatabaseTarget, openDatabase } from './db.ts';
import { createDemandRepo } from './demand.repo.ts';
import { createDevMailRepo } from './dev-mail.repo.ts';
import { createFeaturesRepo } from './features.repo.ts';
import { createIntakeRepo } from './intake.repo.ts';
import { createLinksRepo } from './links.repo.ts';
import { createNotificationsRepo } from './notifications.repo.ts';
import { createRequesterRightsRepo } from './requester-rights.repo.ts';
import { createRequestsRepo } from './requests.repo.ts';
import { createRescoreRepo } from './rescore.repo.ts';
import { createReviewRepo } from './review.repo.ts';
import { createStatusRepo } from './status.repo.ts';
import { createTriageRepo, type PushPolicy } from './triage.repo.ts';
import { createWebhooksRepo } from './webhooks.repo.ts';

export interface StoreOptions {
  extraFreeMailDomains?: readonly string[];
  /** `identity.people`: one person by several addresses or source ids. */
  people?: readonly PersonMapping[] | undefined;
  push?: PushPolicy | undefined;
  /** The similarity engine triage decides with (thresholds, synonyms); default: the built-in one. */
  dedupe?: DedupeEngine | undefined;
  /** Score weights (`scoring:`); default: rules/score.ts DEFAULT_SCORING. */
  scoring?: ScoringModel | undefined;
}

/** The database and its repositories: what the rest of the service is given instead of a connection. */
export function createStore(database: Database, options: StoreOptions = {}) {
  const scoring = options.scoring ?? DEFAULT_SCORING;
  const dedupe = options.dedupe ?? createDedupeEngine();
  const people = peopleDirectory(options.people ?? []);
  const companyFolds = createCompanyFolds(database.db, scoring);
  return {
    kind: database.kind,
    db: database.db,
    migrate: () => database.migrate(),
    ping: () => database.ping(),
    close: () => database.close(),
    requests: createRequestsRepo(database.db),
    /** Intake sources' cursors and health, and the requests their pulls and webhooks bring. */
    intake: createIntakeRepo(database.db),
    features: createFeaturesRepo(database.db),
    demand: createDemandRepo(database.db),
    triage: withCompanyFolds(
      createTriageRepo(database.db, {
        dedupe,
        identity: { extraFreeMailDomains: options.extraFreeMailDomains ?? [], people },
        scoring,
        push: options.push,
      }),
      companyFolds,
    ),
    companyFolds,
    rescore: createRescoreRepo(database.db, scoring),
    links: createLinksRepo(database.db),
    /** Tracker links as the trackers' news sees them: live links by issue, cursors, status history, merges. */
    status: createStatusRepo(database.db),
    webhooks: createWebhooksRepo(database.db),
    /** The notification outbox as the send jobs and the redrive see it (the fan-out is the application's). */
    notifications: createNotificationsRepo(database.db),
    /** The development outbox (no SMTP_URL): the mailer writes it, /dev/mail reads it. */
    devMail: createDevMailRepo(database.db),
    review: createReviewRepo(database.db),
    requesterRights: createRequesterRightsRepo(database.db, { dedupe }),
  };
}

export type Store = ReturnType<typeof createStore>;

export function openStore(target: DatabaseTarget, options: StoreOptions = {}): Store {
  return createStore(openDatabase(target), options);
}
