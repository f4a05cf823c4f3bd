import { z } from 'zod';
import { envName, replyBackSchema, sourceBase } from '../../config/source-base.schema.ts';
import { slackSpec } from './spec.ts';

/**
 * A Slack workspace through a Slack app: its Events API requests are signed with `signingSecretEnv`, and the bot
 * token (`botTokenEnv`, scopes in docs/sources.md) reads the reacted message and its author and replies in threads.
 */
export const slackSourceSchema = z.strictObject({
  ...sourceBase,
  kind: z.literal('slack'),
  signingSecretEnv: envName,
  botTokenEnv: envName,
  /** The reaction that marks a message as a feature request, by name: `bulb` (`:bulb:` is accepted too). */
  emoji: z
    .string()
    .transform((name) => name.replace(/^:|:$/g, ''))
    .pipe(z.string().regex(/^[a-z0-9_+'-]+$/, 'expected an emoji name such as bulb')),
  /** Only reactions in these channels (ids such as C0123ABCD) count; all channels the app is in when absent. */
  channels: z
    .array(z.string().regex(/^[CGD][A-Z0-9]+$/, 'expected a channel id such as C0123ABCD'))
    .optional(),
  /** Web API base URL (tests, proxies); Slack's own by default. Must end with `/`. */
  apiUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** A 429 whose Retry-After is at most this long is waited out in the call; a longer one fails it as rate limited. */
  maxRateLimitWaitSeconds: z.number().int().min(0).default(slackSpec.maxRateLimitWaitSeconds),
  replyBack: replyBackSchema.default('thread'),
});

export type SlackSourceConfig = z.infer<typeof slackSourceSchema>;
