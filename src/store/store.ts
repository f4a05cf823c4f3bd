import type { Logger } from '../log.ts';
import { type Database, type DatabaseTarget, openDatabase } from './db.ts';
import { createDemandRepo } from './demand.repo.ts';
import { createDevMailRepo } from './dev-mail.repo.ts';
import type { DemandScorer } from './feature-score.ts';
import { createFeaturesRepo } from './features.repo.ts';
import { createIntakeRepo } from './intake.repo.ts';
import { createLinksRepo } from './links.repo.ts';
import { createNotificationsRepo } from './notifications.repo.ts';
import { createRequestsRepo } from './requests.repo.ts';
import { createRescoreRepo } from './rescore.repo.ts';
import { createReviewRepo } from './review.repo.ts';
import { createStatusRepo } from './status.repo.ts';
import { createWebhooksRepo } from './webhooks.repo.ts';

interface StoreOptions {
  /** How the scheduled rescore scores a feature (the application's scoring policy); without it, it cannot run. */
  scoreDemand?: DemandScorer | undefined;
  /** Where the store reports what it recovers from on its own (a grouped accept retried one at a time). */
  log?: Logger | undefined;
}

const noScorer: DemandScorer = () => {
  throw new Error(
    'this store was opened without a scorer (openStore options.scoreDemand): it cannot rescore',
  );
};

/** The database and its repositories (plain reads and writes): what the application is given instead of a connection. */
function createStore(database: Database, options: StoreOptions = {}) {
  return {
    kind: database.kind,
    db: database.db,
    /** PGlite only: whether intake wants the one connection now (db.ts `Database.intakeActive`). */
    intakeActive: database.intakeActive,
    migrate: () => database.migrate(),
    ping: () => database.ping(),
    close: () => database.close(),
    // Concurrent accepts are committed in groups: on PGlite one turn of its single connection per group, on
    // Postgres one transaction and one commit's WAL flush per group (some 1.4-1.8x the accepts a second of one
    // transaction each, on 2 cores).
    requests: createRequestsRepo(database.db, {
      db: database.intakeDb,
      grouped: true,
      log: options.log,
    }),
    /** Intake sources' cursors and health, and the requests their pulls and webhooks bring. */
    intake: createIntakeRepo(database.db, database.intakeDb),
    features: createFeaturesRepo(database.db),
    demand: createDemandRepo(database.db),
    rescore: createRescoreRepo(database.db, options.scoreDemand ?? noScorer),
    links: createLinksRepo(database.db),
    /** Tracker links as the trackers' news sees them: live links by issue, cursors, status history, merges. */
    status: createStatusRepo(database.db),
    webhooks: createWebhooksRepo(database.db),
    /** The notification outbox as the send jobs and the redrive see it (the fan-out is the application's). */
    notifications: createNotificationsRepo(database.db),
    /** The development outbox (no SMTP_URL): the mailer writes it, /dev/mail reads it. */
    devMail: createDevMailRepo(database.db),
    review: createReviewRepo(database.db),
  };
}

export type Store = ReturnType<typeof createStore>;

export function openStore(target: DatabaseTarget, options: StoreOptions = {}): Store {
  return createStore(openDatabase(target), options);
}
