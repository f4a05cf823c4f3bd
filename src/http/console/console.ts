import type { AppDeps } from '../app.ts';
import type { RouteHandlers } from '../route-table.ts';
import { assetHandlers } from './assets.ts';
import { featurePages } from './features.pages.ts';
import { healthPage } from './health.pages.ts';
import { requesterPages } from './requesters.pages.ts';
import { reviewPages } from './review.pages.ts';
import { signInPages } from './sign-in.pages.ts';

/** The console's handlers: sign-in and its assets for anyone, the pages for a signed-in team member. */
export function consoleHandlers(deps: AppDeps): Partial<RouteHandlers> {
  return {
    ...assetHandlers(),
    ...signInPages(deps),
    ...featurePages(deps),
    ...reviewPages(deps),
    ...requesterPages(deps),
    ...healthPage(deps),
  };
}
