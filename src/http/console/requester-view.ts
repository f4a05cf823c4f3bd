import type { requesterPageData } from '../../store/console-requesters.repo.ts';
import { formatTime } from './format-time.ts';
import { consoleStatusWords } from './status-words.ts';

/** What the requester page shows, from everything held about them, ready for the template. */

type PageData = NonNullable<Awaited<ReturnType<typeof requesterPageData>>>;

interface FeatureRef {
  id: string;
  title: string;
  status: string;
}

export function requesterView(data: PageData) {
  const { requester, company, titles } = data;
  const feature = (id: string | null): FeatureRef | null => {
    const known = id ? titles.get(id) : undefined;
    return id && known ? { id, ...known } : null;
  };
  const stops = data.unsubscribes.map((u) => ({
    feature: feature(u.featureId),
    all: u.featureId === null,
    via: u.via,
    when: formatTime(u.createdAt),
  }));
  return {
    id: requester.id,
    erased: requester.erasedAt !== null,
    erasedAt: formatTime(requester.erasedAt),
    email: requester.email,
    name: requester.name,
    since: formatTime(requester.createdAt),
    company: company ? { id: company.id, name: company.name ?? company.domain ?? 'Unnamed company' } : null,
    requests: data.requests.map((r) => ({
      id: r.id,
      title: r.title,
      source: r.source,
      received: formatTime(r.receivedAt),
      feature: feature(r.featureId),
    })),
    notifications: data.notifications.map((n) => ({
      id: n.id,
      announced: consoleStatusWords(n.status),
      channel: n.channel,
      state: n.state,
      reason: n.reason,
      when: formatTime(n.sentAt ?? n.createdAt),
      feature: feature(n.featureId),
    })),
    digest: requester.notifyDigest,
    stoppedAll: stops.some((s) => s.all),
    stops: stops.filter((s) => !s.all),
    suppression: data.suppression
      ? { reason: data.suppression.reason, since: formatTime(data.suppression.since) }
      : null,
    statusWords: consoleStatusWords,
  };
}
