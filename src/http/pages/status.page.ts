import { statusWords, whatHappensNext } from '../../rules/notify/status-words.ts';
import type { StatusPageView } from '../../store/status-page.repo.ts';
import { escapeHtml, formatDay } from './layout.ts';

/** `/r/<token>`: the request's feature, its status now, how it got there, and what the requester asked. */
export function statusPageBody(view: StatusPageView, links: { unsubscribe: string | undefined }): string {
  const feature = view.feature;
  const title = feature?.title ?? view.request.title;
  const status = feature?.status ?? 'received';
  const words = statusWords(status);
  const merged = view.mergedFrom
    ? `<p class="muted">Your request first joined “${escapeHtml(view.mergedFrom.title)}”, which was merged into this one; you hear about this one now.</p>`
    : '';
  const entries = [
    { at: view.request.receivedAt, html: 'you sent your request' },
    ...view.timeline.map((c) => ({
      at: c.at,
      html:
        c.to === 'merged'
          ? `“${escapeHtml(c.featureTitle)}” was merged into “${escapeHtml(title)}”`
          : `${view.mergedFrom ? `“${escapeHtml(c.featureTitle)}” ` : ''}${escapeHtml(statusWords(c.to))}`,
    })),
  ].sort((a, b) => a.at.getTime() - b.at.getTime());
  const timeline = entries
    .map((e) => `<li><time datetime="${e.at.toISOString()}">${formatDay(e.at)}</time>: ${e.html}</li>`)
    .join('\n');
  const unsubscribe = links.unsubscribe
    ? `<p class="muted"><a href="${escapeHtml(links.unsubscribe)}">Stop emails about this request</a></p>`
    : '';
  return `<div class="card">
<p class="muted">Your feature request</p>
<h1>${escapeHtml(title)}</h1>
<p>Status: <span class="status">${escapeHtml(words)}</span></p>
<p>${escapeHtml(whatHappensNext(status))}</p>
${merged}
</div>
<section class="card" aria-labelledby="timeline-heading">
<h2 id="timeline-heading">Timeline</h2>
<ol class="timeline">
${timeline}
</ol>
</section>
<section class="card" aria-labelledby="asked-heading">
<h2 id="asked-heading">What you asked</h2>
<p><strong>${escapeHtml(view.request.title)}</strong></p>
${view.request.body.trim() ? `<blockquote>${escapeHtml(view.request.body)}</blockquote>` : ''}
</section>
${unsubscribe}`;
}
