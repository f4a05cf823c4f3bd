import { z } from 'zod';
import type { SubscriptionState } from '../../store/subscriptions.repo.ts';
import { escapeHtml } from './layout.ts';

/** The choices the unsubscribe form offers (`choice` in the POST body). */
const UNSUBSCRIBE_CHOICES = ['feature', 'all', 'digest'] as const;
type UnsubscribeChoice = (typeof UNSUBSCRIBE_CHOICES)[number];

/** The unsubscribe form as posted; each field is read on its own (one that does not parse is as if not sent). */
export const unsubscribeForm = z.object({
  choice: z.enum(UNSUBSCRIBE_CHOICES).optional(),
  'List-Unsubscribe': z
    .literal('One-Click')
    .optional()
    .meta({ description: 'RFC 8058: unsubscribe at once' }),
});

/** GET `/unsubscribe/<token>`: a confirm form; nothing changes until it is posted. */
export function unsubscribeFormBody(state: SubscriptionState, action: string): string {
  const about = state.feature ? `“${escapeHtml(state.feature.title)}”` : 'this request';
  const already = state.stoppedAll
    ? '<p class="muted">You already receive no status emails from us.</p>'
    : state.stoppedFeature
      ? `<p class="muted">You already receive no emails about ${about}.</p>`
      : '';
  const option = (value: UnsubscribeChoice, label: string, checked: boolean) =>
    `<label><input type="radio" name="choice" value="${value}"${checked ? ' checked' : ''}> ${label}</label>`;
  return `<div class="card">
<h1>Stop status emails</h1>
${already}
<form method="post" action="${escapeHtml(action)}">
<fieldset>
<legend>What would you like?</legend>
${state.feature ? option('feature', `Stop emails about ${about}`, true) : ''}
${option('all', 'Stop all status emails from us', !state.feature)}
${state.digest ? '' : option('digest', 'Keep them, but send one daily summary instead of an email per change', false)}
</fieldset>
<button type="submit">Confirm</button>
</form>
</div>`;
}

/** After the POST: what now holds. */
export function unsubscribeDoneBody(choice: UnsubscribeChoice, featureTitle: string | undefined): string {
  const said =
    choice === 'digest'
      ? 'You will get one daily summary instead of an email for each change.'
      : choice === 'all'
        ? 'You will receive no more status emails from us.'
        : `You will receive no more emails about ${featureTitle ? `“${escapeHtml(featureTitle)}”` : 'this request'}.`;
  return `<div class="card" role="status">
<h1>${choice === 'digest' ? 'Done: daily summary' : 'You are unsubscribed'}</h1>
<p>${said}</p>
</div>`;
}
