import { z } from 'zod';
import type { IntakeItem } from '../connectors/intake-source.ts';
import { withoutNul } from '../domain/nul.ts';
import { requesterInput } from '../domain/request.ts';
import { cutText } from '../domain/text.ts';

/**
 * The checks every item from any source passes before it is stored, with the limits `POST /v1/requests` has.
 * A ticket subject or body longer than those limits is cut, not refused (the customer wrote it; the link keeps
 * the whole text); an item with no title, no ref or no usable requester email is refused with the reason.
 */
const TITLE_MAX = 300;
const BODY_MAX = 20_000;

const itemSchema = z.object({
  ref: z.string().trim().min(1, 'ref is empty').max(500, 'ref is longer than 500 characters'),
  title: z.string().trim().min(1, 'title is empty'),
  body: z.string(),
  url: z
    .url({ protocol: /^https?$/, error: 'url is not an http(s) URL' })
    .max(2000)
    .optional(),
  requester: requesterInput,
  receivedAt: z.iso.datetime({ offset: true, error: 'receivedAt is not an ISO time' }),
  tags: z.array(z.string().trim().min(1).max(50)).max(50).optional(),
  thread: z.record(z.string(), z.unknown()).optional(),
});

/** The first line of a text that has something on it, trimmed (a title for an item that has none); '' if none. */
export function firstLine(text: string): string {
  return (
    text
      .split(/\r\n|\r|\n/)
      .map((line) => line.trim())
      .find((line) => line !== '') ?? ''
  );
}

const cut = (s: string, max: number) => cutText(s, max, '…');

type ItemVerdict = { ok: true; item: IntakeItem } | { ok: false; ref: string | undefined; reason: string };

export function checkIntakeItem(received: IntakeItem): ItemVerdict {
  // Unlike an API caller, whom a 400 tells, the customer who wrote the ticket cannot be asked again: refusing a
  // NUL would drop the item at every pull.
  const item = withoutNul(received);
  const trimmed = {
    ...item,
    title: cut(item.title.replace(/\s+/g, ' ').trim(), TITLE_MAX),
    body: cut(item.body, BODY_MAX),
    // A provider's tags are labels, not the request: ones too long to keep are dropped, not the item.
    ...(item.tags
      ? {
          tags: item.tags
            .map((t) => t.trim())
            .filter((t) => t.length > 0 && t.length <= 50)
            .slice(0, 50),
        }
      : {}),
  };
  const parsed = itemSchema.safeParse(trimmed);
  if (parsed.success) return { ok: true, item: parsed.data as IntakeItem };
  const reason = parsed.error.issues.map((i) => `${i.path.join('.') || 'item'}: ${i.message}`).join('; ');
  return { ok: false, ref: typeof item.ref === 'string' ? item.ref : undefined, reason };
}
