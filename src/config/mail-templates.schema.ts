import { z } from 'zod';
import { FEATURE_STATUSES } from '../domain/status.ts';
import {
  BLOCK_PLACEHOLDERS,
  DIGEST_PLACEHOLDERS,
  STATUS_PLACEHOLDERS,
} from '../rules/notify/default-templates.ts';
import { templateProblems } from '../rules/notify/template.ts';

/**
 * `notifications.templates:` in the YAML: per status (and `digest`), any of `subject`, `text`, `html`, each with
 * `{{placeholder}}` slots that are always escaped. A part left out keeps the built-in one; `text` alone also makes
 * the HTML part (paragraphs of escaped text); `html` alone is refused, since every message needs its plain-text part.
 * Unknown placeholders are configuration errors at start, not blanks in a customer's inbox.
 */

function messageTemplateSchema(allowed: readonly string[]) {
  const inSubject = allowed.filter((name) => !(BLOCK_PLACEHOLDERS as readonly string[]).includes(name));
  const part = (names: readonly string[]) =>
    z
      .string({ error: 'expected template text' })
      .trim()
      .min(1, 'expected template text (leave the key out to keep the built-in one)')
      .superRefine((template, ctx) => {
        for (const message of templateProblems(template, names)) ctx.addIssue({ code: 'custom', message });
      });
  return z
    .strictObject({
      subject: part(inSubject).optional(),
      text: part(allowed).optional(),
      html: part(allowed).optional(),
    })
    .superRefine((t, ctx) => {
      if (t.html !== undefined && t.text === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['text'],
          message: 'an html template needs a text template too (the plain-text part of the message)',
        });
      }
    });
}

const statusTemplate = messageTemplateSchema(STATUS_PLACEHOLDERS);

export const mailTemplatesSchema = z
  .strictObject({
    ...(Object.fromEntries(FEATURE_STATUSES.map((s) => [s, statusTemplate.optional()])) as Record<
      (typeof FEATURE_STATUSES)[number],
      z.ZodOptional<typeof statusTemplate>
    >),
    digest: messageTemplateSchema(DIGEST_PLACEHOLDERS).optional(),
  })
  .default({});

export type MailTemplates = z.infer<typeof mailTemplatesSchema>;
/** One message's overrides, as the YAML gives them. */
export type MailTemplateOverride = NonNullable<MailTemplates['digest']>;
