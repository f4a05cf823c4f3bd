/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** The URL when it is an absolute http(s) one, otherwise undefined: no `javascript:`, `data:` or relative links. */
export function safeHref(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/** A link when `href` is a safe URL, the bare escaped text otherwise; `textHtml` is already escaped. */
export function linkHtml(href: unknown, textHtml: string): string {
  const safe = safeHref(href);
  return safe ? `<a href="${escapeHtml(safe)}">${textHtml}</a>` : textHtml;
}

/**
 * An issue's details as the emulators' pages show them: its description (already HTML), then its links under
 * `label`, each titled by its title or else its URL.
 */
export function issueDetailsHtml(
  descriptionHtml: string,
  label: string,
  links: readonly { url: unknown; title?: string | null }[],
): string {
  const items = links.map((l) => `<li>${linkHtml(l.url, escapeHtml(l.title || l.url))}</li>`);
  return [
    descriptionHtml ? `<div class="description">${descriptionHtml}</div>` : '',
    items.length > 0 ? `<div class="muted">${escapeHtml(label)}</div><ul>${items.join('')}</ul>` : '',
  ].join('');
}

/** A small, self-contained page: no external assets. */
export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #1f2328; }
  h1 { font-size: 1.4rem; } table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid #d0d7de; vertical-align: top; }
  th { background: #f6f8fa; } form { display: inline-flex; gap: .3rem; margin: 0 .4rem .2rem 0; }
  select, input, button { font: inherit; padding: .15rem .4rem; } .muted { color: #656d76; font-size: .9em; }
  .description { margin-top: .3rem; } .description h3 { font-size: 1rem; margin: .4rem 0 .2rem; }
  .description p, .description ul, .description ol, .description blockquote { margin: .2rem 0; }
  .description blockquote { border-left: 3px solid #d0d7de; padding-left: .6rem; color: #424a53; }
  .status { font-weight: 600; } .flash { background: #dafbe1; padding: .5rem .8rem; border-radius: 6px; }
</style>
</head>
<body>
${body}
</body>
</html>`;
}
