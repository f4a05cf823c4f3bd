import type { AppDeps } from '../app.ts';
import type { RouteHandlers } from '../route-table.ts';

// Placeholder until this area is built.
export function assetHandlers(_deps?: AppDeps): Partial<RouteHandlers> {
  return {};
}
