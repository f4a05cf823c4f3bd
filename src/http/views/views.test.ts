import { describe, expect, it } from 'vitest';
import { statusPageData } from '../pages/status.page.ts';
import { unsubscribeDoneData, unsubscribeFormData } from '../pages/unsubscribe.page.ts';
import { renderView } from './views.ts';

/**
 * Every value a page prints comes out escaped: markup, quotes that would end an attribute, and ampersands. Each
 * customer page is rendered from the same data its handler builds, with a hostile value in every text it shows.
 */

const HOSTILE = `<script>alert("x")</script> & 'quoted' "end`;
const ESCAPED = '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quoted&#39; &quot;end';

/** The page shows the hostile value only escaped, `times` times at least, and no markup of its own. */
function expectEscaped(html: string, times = 1) {
  expect(html).not.toContain('<script>');
  expect(html).not.toContain('"end');
  expect(html.split(ESCAPED).length - 1).toBeGreaterThanOrEqual(times);
}

const day = (d: string) => new Date(`${d}T10:00:00Z`);

describe('customer pages escape what they print', () => {
  it('status page: title, merged-from title, timeline, request, unsubscribe link', () => {
    const data = statusPageData(
      {
        request: { title: HOSTILE, body: HOSTILE, receivedAt: day('2026-01-02') },
        feature: { id: 'f1', title: HOSTILE, status: 'planned' },
        mergedFrom: { title: HOSTILE },
        timeline: [
          { at: day('2026-01-03'), from: 'received', to: 'merged', featureTitle: HOSTILE },
          { at: day('2026-01-04'), from: 'received', to: 'planned', featureTitle: HOSTILE },
        ],
      },
      { unsubscribe: `/unsubscribe/${HOSTILE}`, productName: HOSTILE },
    );
    const html = renderView('customer/status', data);
    // <title> (twice in one), <h1>, merged-from, two timeline entries (twice in the merge entry), asked title and body
    expectEscaped(html, 9);
    expect(html).toContain(`<h1>${ESCAPED}</h1>`);
    expect(html).toContain(`<blockquote>${ESCAPED}</blockquote>`);
    expect(html).toContain(`<a href="/unsubscribe/${ESCAPED}">`);
    expect(html).toContain(`<title>${ESCAPED} · ${ESCAPED}</title>`);
  });

  it('unsubscribe form: feature title in the options, the alert, the action', () => {
    const data = unsubscribeFormData(
      { feature: { id: 'f1', title: HOSTILE }, stoppedFeature: true, stoppedAll: false, digest: false },
      { action: `/unsubscribe/${HOSTILE}`, productName: HOSTILE, alert: HOSTILE },
    );
    const html = renderView('customer/unsubscribe', data);
    expectEscaped(html, 5);
    expect(html).toContain(`<p role="alert" class="card">${ESCAPED}</p>`);
    expect(html).toContain(`action="/unsubscribe/${ESCAPED}"`);
    expect(html).toContain(`Stop emails about “${ESCAPED}”</label>`);
  });

  it('unsubscribed: the feature title', () => {
    const html = renderView(
      'customer/unsubscribed',
      unsubscribeDoneData('feature', { featureTitle: HOSTILE, productName: HOSTILE }),
    );
    expectEscaped(html, 2);
    expect(html).toContain(`no more emails about “${ESCAPED}”`);
  });

  it('dev outbox list: recipient, subject, id', () => {
    const message = { id: HOSTILE, datetime: HOSTILE, when: HOSTILE, to: HOSTILE, subject: HOSTILE };
    const html = renderView('customer/dev-mail-list', { messages: [message] });
    expectEscaped(html, 5);
    expect(html).toContain(`<a href="/dev/mail/${ESCAPED}">${ESCAPED}</a>`);
  });

  it('dev outbox message: subject, headers, the HTML part inside srcdoc, the text part', () => {
    const html = renderView('customer/dev-mail-message', {
      subject: HOSTILE,
      headers: [['Subject', HOSTILE]],
      html: HOSTILE,
      text: HOSTILE,
    });
    expectEscaped(html, 5);
    // The HTML part stays inside its attribute: escaped once, so the browser decodes it into the iframe's document.
    expect(html).toContain(`sandbox srcdoc="${ESCAPED}"></iframe>`);
    expect(html).toContain(`<pre>${ESCAPED}</pre>`);
  });

  it('the pages without data render their fixed text', () => {
    expect(renderView('customer/not-found', {})).toContain('This link does not work');
    expect(renderView('customer/too-many-requests', {})).toContain('Please wait a minute');
  });
});

describe('the console layout', () => {
  const layout = (title: string, email: string) => ({
    session: { email, name: null, role: 'member', csrf: `${HOSTILE}` },
    nav: 'features',
    title,
  });

  it('escapes the session email, the CSRF field and the title', () => {
    const html = renderView('console/error', {
      layout: layout(HOSTILE, HOSTILE),
      title: HOSTILE,
      detail: HOSTILE,
    });
    // <title>, the email, the csrf value, the h1 and the detail
    expectEscaped(html, 5);
    expect(html).toContain(`<title>${ESCAPED} · Suggested Sync</title>`);
    expect(html).toContain(`name="_csrf" value="${ESCAPED}"`);
    expect(html).toContain(`<span>${ESCAPED} <span class="role">member</span></span>`);
  });

  it('marks the current section, links the stylesheet and script, and offers a skip link', () => {
    const html = renderView('console/error', {
      layout: layout('Oops', 'pat@acme.io'),
      title: 'Oops',
      detail: 'x',
    });
    expect(html).toContain('<a href="/console/features" aria-current="page">Features</a>');
    expect(html).toContain('<a href="/console/review">Review</a>');
    expect(html).toContain('<link rel="stylesheet" href="/console/assets/console.css">');
    expect(html).toContain('<script src="/console/assets/console.js" defer></script>');
    expect(html).toContain('<a class="skip" href="#main">');
    expect(html).toContain('<main id="main">');
  });

  it('shows no header to a visitor who is not signed in, and a server error its request id', () => {
    const html = renderView('console/error', {
      layout: { session: null, nav: null, title: 'Something failed' },
      title: 'Something failed',
      detail: 'Something went wrong on our side.',
      requestId: 'req-123',
    });
    expect(html).not.toContain('<header');
    expect(html).not.toContain('_csrf');
    expect(html).toContain('<code>req-123</code>');
  });
});
