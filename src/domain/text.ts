/**
 * Cuts `text` to at most `max` UTF-16 units (what a `varchar` limit or JavaScript's `length` counts) without
 * splitting a character: a surrogate pair (an emoji, say) is kept whole or left out, never halved into a lone
 * surrogate that a database stores as U+FFFD and a tracker refuses. `ellipsis` is appended when anything was cut,
 * within the same budget.
 */
export function cutText(text: string, max: number, ellipsis = ''): string {
  if (text.length <= max) return text;
  const budget = max - ellipsis.length;
  let end = 0;
  for (const char of text) {
    if (end + char.length > budget) break;
    end += char.length;
  }
  return `${text.slice(0, end)}${ellipsis}`;
}
