import type { FeatureStatus } from '../../domain/status.ts';
import type { BackWording } from './back-news.ts';

/** A status as a customer reads it: in messages, subjects and on the status page. */
export function statusWords(status: FeatureStatus, mergedIntoTitle?: string): string {
  switch (status) {
    case 'received':
      return 'received';
    case 'under_review':
      return 'under review';
    case 'planned':
      return 'planned';
    case 'in_progress':
      return 'being built';
    case 'shipped':
      return 'shipped — you can use it now';
    case 'declined':
      return 'declined';
    case 'merged':
      return mergedIntoTitle ? `merged into “${mergedIntoTitle}”` : 'merged into another request';
  }
}

/** One sentence on what the requester can expect after this status. */
export function whatHappensNext(status: FeatureStatus, mergedIntoTitle?: string): string {
  switch (status) {
    case 'received':
    case 'under_review':
      return 'The team is looking at it. We will write again when it is planned, built or decided.';
    case 'planned':
      return 'It is on the roadmap. We will write again when work starts and when it ships.';
    case 'in_progress':
      return 'Work has started. We will write again as soon as you can use it.';
    case 'shipped':
      return 'It is available now; there is nothing you need to do. We will write again only if it is reopened.';
    case 'declined':
      return 'It is not planned for now. Your request stays on record, and if that changes we will tell you.';
    case 'merged':
      return `Your request now counts toward ${mergedIntoTitle ? `“${mergedIntoTitle}”` : 'the request it was merged into'}; from now on you will hear about that one.`;
  }
}

/** A step back as a line of a digest or a reply in a thread: why, then the status now. */
export function backStatusWords(
  wording: BackWording,
  status: FeatureStatus,
  unmergedFromTitle?: string,
): string {
  const now = statusWords(status);
  switch (wording) {
    case 'reopened':
      return `reopened — ${now} again`;
    case 'moved_back':
      return `${now} again`;
    case 'unmerged':
      return `no longer merged into ${unmergedFromTitle ? `“${unmergedFromTitle}”` : 'another request'} — ${now}`;
  }
}
