import type { Config } from '../../config/load.ts';
import type { Tracker, TrackerIssueRef } from '../../connectors/tracker.ts';
import { UNPUSHED_PAGE_SIZE } from '../../store/link-requests.repo.ts';
import type { TrackerLink } from '../../store/links.repo.ts';
import type { Store } from '../../store/store.ts';

/** What carrying a link's customer requests reads and writes. */
interface CarryDeps {
  store: Store;
  config: Pick<Config, 'publicUrl'>;
}

/** Where a customer request links back to: the request in our API. */
const requestUrl = (publicUrl: string) => (requestId: string) => `${publicUrl}/v1/requests/${requestId}`;

/**
 * One page of the link's requests not carried yet; a full page marks `pages.full`, so the push goes again for the
 * rest (the link is no longer dirty once recorded, and nothing else would queue it).
 */
export async function unpushedPage({ store, config }: CarryDeps, link: TrackerLink, pages: PageWatch) {
  const page = await store.links.unpushedRequests(link, requestUrl(config.publicUrl));
  if (page.length >= UNPUSHED_PAGE_SIZE) pages.full = true;
  return page;
}

/** Whether a page of unpushed requests came back full during this push. */
export interface PageWatch {
  full: boolean;
}

/**
 * Customer requests follow their requests (moved where a merge or an unmerge took them); new requests go to the
 * issue as customer requests (`addNew`: unless the push's create or update carried them); erased requesters' words
 * leave it.
 */
export async function carryCustomerRequests(
  deps: CarryDeps,
  link: TrackerLink,
  tracker: Tracker,
  ref: TrackerIssueRef,
  { addNew = true, pages = { full: false } }: { addNew?: boolean; pages?: PageWatch } = {},
): Promise<void> {
  const { store } = deps;
  if (tracker.moveCustomerRequests) {
    // Recorded after the tracker call: a repeat after a crash finds the same rows and moves nothing twice.
    for (const move of await store.links.misplacedRequests(link)) {
      await tracker.moveCustomerRequests(move.requests, move.to?.ref);
      await store.links.recordRequestsMoved(move.from.linkId, move.to, move.requests);
    }
  }
  if (tracker.addCustomerRequests && addNew) {
    const pending = await unpushedPage(deps, link, pages);
    if (pending.length > 0) {
      await tracker.addCustomerRequests(ref, pending);
      await store.links.recordRequestsPushed(
        link.id,
        pending.map((r) => r.requestId),
      );
    }
  }
  // Requesters erased since their requests were carried: the tracker forgets their words too.
  if (tracker.eraseCustomerRequests) {
    const erased = await store.links.erasedRequests(link.id);
    if (erased.length > 0) {
      await tracker.eraseCustomerRequests(ref, erased);
      await store.links.recordRequestsErased(
        link.id,
        erased.map((r) => r.requestId),
      );
    }
  }
}
