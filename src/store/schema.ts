/**
 * The one schema for Postgres and PGlite, one file per area under schema/. Changes go through `npm run db:generate`,
 * which writes a new versioned migration under src/store/migrations; never edit an applied migration.
 */

export * from './schema/console.ts';
export * from './schema/dedupe-answers.ts';
export * from './schema/dedupe-index.ts';
export * from './schema/notifications.ts';
export * from './schema/requests.ts';
export * from './schema/trackers.ts';
