/**
 * Strips what is not the customer's request from an email-like body: quoted reply history, forwarded headers,
 * signatures and mobile footers. Pure; the request text itself is never changed, only cut.
 */

/** A line that starts the quoted history of a reply ("On Mon, 3 Jun 2024, Ada wrote:" and its translations). */
const REPLY_HEADER =
  /^\s*(on\b.{0,200}\bwrote|am\b.{0,200}\bschrieb|le\b.{0,200}\ba écrit|el\b.{0,200}\bescribió|il\b.{0,200}\bha scritto)\s*:?\s*$/i;
const ORIGINAL_MESSAGE =
  /^\s*-{2,}\s*(original message|forwarded message|reply above this line)\s*-{2,}\s*$/i;
/** Outlook's quoted header block: "From: …" followed within two lines by "Sent:" or "Date:". */
const OUTLOOK_FROM = /^\s*\*?from:\*?\s+\S/i;
const OUTLOOK_NEXT = /^\s*\*?(sent|date|to|subject):\*?\s/i;
/** RFC 3676 signature separator "-- " (often trimmed to "--"), and the common underscore rule. */
const SIGNATURE_SEPARATOR = /^\s*(--|__{3,})\s*$/;
const MOBILE_FOOTER =
  /^\s*(sent from my \w+|get outlook for \w+|sent from (mail|yahoo mail|outlook) for \w+)/i;
/** A sign-off line; what follows it at the end of a message is a signature. */
const SIGN_OFF =
  /^\s*(thanks|thank you|thanks again|many thanks|cheers|best|best regards|kind regards|regards|warm regards|sincerely|all the best|br|thx)\s*[,.!]?\s*$/i;
/** A sign-off followed by at most this many lines is treated as the end of the request. */
const MAX_SIGNATURE_LINES = 6;

export function stripQuotesAndSignature(body: string): string {
  const lines = body.replace(/\r\n?/g, '\n').split('\n');
  let end = lines.length;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const next = `${lines[i + 1] ?? ''}\n${lines[i + 2] ?? ''}`;
    if (
      REPLY_HEADER.test(line) ||
      ORIGINAL_MESSAGE.test(line) ||
      SIGNATURE_SEPARATOR.test(line) ||
      (OUTLOOK_FROM.test(line) && next.split('\n').some((l) => OUTLOOK_NEXT.test(l)))
    ) {
      end = i;
      break;
    }
  }
  const kept: string[] = [];
  for (const line of lines.slice(0, end)) {
    if (/^\s*>/.test(line) || MOBILE_FOOTER.test(line)) continue;
    kept.push(line);
  }
  // Cut at the last sign-off when only a short signature follows it.
  for (let i = kept.length - 1; i >= 0 && i >= kept.length - 1 - MAX_SIGNATURE_LINES; i--) {
    if (SIGN_OFF.test(kept[i] ?? '')) {
      kept.length = i;
      break;
    }
  }
  return kept.join('\n').trim();
}
