import { z } from 'zod';
import type { SubscriptionState } from '../../store/subscriptions.repo.ts';

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
export function unsubscribeFormData(
  state: SubscriptionState,
  { action, productName, alert }: { action: string; productName: string; alert?: string | undefined },
) {
  const about = state.feature ? `“${state.feature.title}”` : 'this request';
  const already = state.stoppedAll
    ? 'You already receive no status emails from us.'
    : state.stoppedFeature
      ? `You already receive no emails about ${about}.`
      : undefined;
  const options: Array<{ value: UnsubscribeChoice; label: string; checked: boolean }> = [
    ...(state.feature
      ? [{ value: 'feature' as const, label: `Stop emails about ${about}`, checked: true }]
      : []),
    { value: 'all', label: 'Stop all status emails from us', checked: !state.feature },
    ...(state.digest
      ? []
      : [
          {
            value: 'digest' as const,
            label: 'Keep them, but send one daily summary instead of an email per change',
            checked: false,
          },
        ]),
  ];
  return { pageTitle: `Stop status emails · ${productName}`, alert, already, action, options };
}

/** After the POST: what now holds. */
export function unsubscribeDoneData(
  choice: UnsubscribeChoice,
  { featureTitle, productName }: { featureTitle: string | undefined; productName: string },
) {
  const said =
    choice === 'digest'
      ? 'You will get one daily summary instead of an email for each change.'
      : choice === 'all'
        ? 'You will receive no more status emails from us.'
        : `You will receive no more emails about ${featureTitle ? `“${featureTitle}”` : 'this request'}.`;
  return {
    pageTitle: `Done · ${productName}`,
    heading: choice === 'digest' ? 'Done: daily summary' : 'You are unsubscribed',
    said,
  };
}
