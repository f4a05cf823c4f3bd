/**
 * A feature's status as the console words it for a product owner, the same on every page. The customers' words
 * (src/rules/notify/status-words.ts) speak to a requester ("being built", "shipped — you can use it now"), so the
 * console keeps its own.
 */

const STATUS_WORDS: Record<string, string> = {
  received: 'Received',
  under_review: 'Under review',
  planned: 'Planned',
  in_progress: 'In progress',
  shipped: 'Shipped',
  declined: 'Declined',
  merged: 'Merged',
};

/** The words for `status`; a status the console does not know is shown as stored. */
export function consoleStatusWords(status: string): string {
  return Object.hasOwn(STATUS_WORDS, status) ? (STATUS_WORDS[status] as string) : status;
}
