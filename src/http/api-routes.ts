import { adminHandlers } from './admin.routes.ts';
import type { AppDeps } from './app.ts';
import { consoleHandlers } from './console/console.ts';
import { featuresHandlers } from './features.routes.ts';
import { probeDependencies } from './health.routes.ts';
import { linksHandlers } from './links.routes.ts';
import { mergesHandlers } from './merges.routes.ts';
import { customerPagesHandlers } from './pages/customer-pages.routes.ts';
import { devMailHandlers } from './pages/dev-mail.routes.ts';
import { pageRateLimit } from './pages/page-rate-limit.ts';
import { intakeRateLimit } from './rate-limit.ts';
import { requestersHandlers } from './requesters.routes.ts';
import { requestsHandlers } from './requests.routes.ts';
import type { ConsoleRouteName, OpsRouteName, RouteHandlers } from './route-table.ts';
import { sourceWebhooksHandlers } from './source-webhooks.routes.ts';
import { webhooksHandlers } from './webhooks.routes.ts';

export { consoleSessionMiddleware } from './console/session.ts';

/**
 * What only a process that serves the API needs: every API route's handler, the console's pages and the rate
 * limiters. app.ts imports this module where `apiRoutes` is set, never in a worker process, which serves only
 * health, readiness and metrics (and so holds none of it).
 */

/** Every API route's handler; the intake sources' webhook and the development outbox only where they exist. */
export function apiHandlers(
  deps: AppDeps,
): Omit<RouteHandlers, OpsRouteName | ConsoleRouteName | 'sourceWebhook' | 'devMailList' | 'devMailMessage'> &
  Partial<RouteHandlers> {
  const { config, store, application, queues, redis, metrics, trackers, route, sources, writeIntake } = deps;
  return {
    ...(sources && writeIntake ? sourceWebhooksHandlers({ sources, write: writeIntake, metrics }) : {}),
    ...webhooksHandlers({ trackers, store, queues, metrics }),
    ...customerPagesHandlers({ db: store.db, productName: config.notifications.productName }),
    // The development outbox: only where mail is not really sent, and never in production.
    ...(!config.mail.smtpUrl && !config.isProduction ? devMailHandlers({ db: store.db }) : {}),
    ...adminHandlers({
      reconcile: deps.reconcile,
      dependencies: () => probeDependencies({ pingDatabase: () => store.ping(), redis }),
      forgetDedupeLearning: () => application.dedupeLearning.forget(),
    }),
    ...requestersHandlers({ application }),
    ...requestsHandlers({ store, queues, metrics }),
    ...featuresHandlers({ store }),
    ...linksHandlers({ store, application, trackers, queues, route }),
    ...mergesHandlers({ store, application }),
    ...consoleHandlers(deps),
  };
}

/** The intake and customer pages' rate limits, kept in Redis: every API process spends one budget. */
export function rateLimits({ config, redis }: AppDeps) {
  const prefix = config.queuePrefix;
  return {
    intake: intakeRateLimit({ redis, prefix, ...config.intake.rateLimit }),
    pages: pageRateLimit({ redis, prefix }),
  };
}
