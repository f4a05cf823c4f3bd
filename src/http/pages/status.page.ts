import { statusWords, whatHappensNext } from '../../rules/notify/status-words.ts';
import { formatDay } from '../../rules/notify/template.ts';
import type { StatusPageView } from '../../store/status-page.repo.ts';

/** `/r/<token>`: the request's feature, its status now, how it got there, and what the requester asked. */
export function statusPageData(
  view: StatusPageView,
  { unsubscribe, productName }: { unsubscribe: string | undefined; productName: string },
) {
  const feature = view.feature;
  const title = feature?.title ?? view.request.title;
  const status = feature?.status ?? 'received';
  const entries = [
    { at: view.request.receivedAt, text: 'you sent your request' },
    ...view.timeline.map((c) => ({
      at: c.at,
      text:
        c.to === 'merged'
          ? `“${c.featureTitle}” was merged into “${title}”`
          : `${view.mergedFrom ? `“${c.featureTitle}” ` : ''}${statusWords(c.to)}`,
    })),
  ].sort((a, b) => a.at.getTime() - b.at.getTime());
  return {
    pageTitle: `${title} · ${productName}`,
    title,
    statusWords: statusWords(status),
    whatHappensNext: whatHappensNext(status),
    mergedFrom: view.mergedFrom?.title,
    timeline: entries.map((e) => ({ datetime: e.at.toISOString(), day: formatDay(e.at), text: e.text })),
    asked: { title: view.request.title, body: view.request.body.trim() ? view.request.body : '' },
    unsubscribe,
  };
}
