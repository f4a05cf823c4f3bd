import { matchFeature } from '../sync/match.ts';
import { type Database, type DatabaseTarget, openDatabase } from './db.ts';
import { createDemandRepo } from './demand.repo.ts';
import { createFeaturesRepo } from './features.repo.ts';
import { createLinksRepo } from './links.repo.ts';
import { createRequestsRepo } from './requests.repo.ts';
import { createTriageRepo, type PushPolicy } from './triage.repo.ts';

export interface StoreOptions {
  extraFreeMailDomains?: readonly string[];
  push?: PushPolicy | undefined;
}

/** The database and its repositories: what the rest of the service is given instead of a connection. */
export function createStore(database: Database, options: StoreOptions = {}) {
  return {
    kind: database.kind,
    db: database.db,
    migrate: () => database.migrate(),
    ping: () => database.ping(),
    close: () => database.close(),
    requests: createRequestsRepo(database.db),
    features: createFeaturesRepo(database.db),
    demand: createDemandRepo(database.db),
    triage: createTriageRepo(database.db, {
      match: matchFeature,
      extraFreeMailDomains: options.extraFreeMailDomains ?? [],
      push: options.push,
    }),
    links: createLinksRepo(database.db),
  };
}

export type Store = ReturnType<typeof createStore>;

export function openStore(target: DatabaseTarget, options: StoreOptions = {}): Store {
  return createStore(openDatabase(target), options);
}
