import type { Response } from 'express';
import { escapeHtml, formatDay } from '../../rules/notify/template.ts';

/**
 * The shell of every customer-facing page: server-rendered, no scripts, no external assets, one inline stylesheet
 * with AA-contrast colours, and a CSP that allows nothing else (a page never loads what user text might name).
 */

export { escapeHtml, formatDay };

const CSP = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const STYLE = `
body{margin:0;background:#f4f4f5;color:#1f1f1f;font:16px/1.5 -apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif}
main{max-width:640px;margin:0 auto;padding:24px 16px}
.card{background:#fff;border-radius:8px;padding:24px;margin:0 0 16px}
h1{font-size:1.5rem;line-height:1.3;margin:0 0 12px}
h2{font-size:1.15rem;margin:0 0 8px}
a{color:#0b57d0}
.status{display:inline-block;padding:2px 10px;border-radius:999px;background:#e8f0fe;color:#0b3d91;font-weight:600}
blockquote{margin:0;padding:8px 16px;border-left:4px solid #71717a;white-space:pre-wrap}
ol.timeline{padding-left:20px;margin:0}
ol.timeline li{margin:0 0 6px}
.muted{color:#52525b}
fieldset{border:1px solid #d4d4d8;border-radius:6px;padding:12px 16px;margin:0 0 16px}
label{display:block;padding:4px 0}
button{font:inherit;padding:8px 20px;border:0;border-radius:6px;background:#0b57d0;color:#fff;cursor:pointer}
button:focus,a:focus,input:focus{outline:3px solid #f59e0b;outline-offset:2px}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #e4e4e7;vertical-align:top;overflow-wrap:anywhere}
pre{white-space:pre-wrap;word-break:break-word;background:#fafafa;padding:12px;border-radius:6px}
iframe{width:100%;height:640px;border:1px solid #d4d4d8;border-radius:6px;background:#fff}
`;

/** Sends a whole page. `body` must already be safe HTML: every user value in it went through escapeHtml. */
export function sendPage(
  res: Response,
  { status = 200, title, body, csp = CSP }: { status?: number; title: string; body: string; csp?: string },
): void {
  res
    .status(status)
    .set({
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': csp,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      // Token-bearing pages: keep them out of shared caches and search engines.
      'Cache-Control': 'no-store',
      'X-Robots-Tag': 'noindex, nofollow',
    })
    .send(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`);
}

export function sendNotFound(res: Response): void {
  sendPage(res, {
    status: 404,
    title: 'Link not found',
    body: `<div class="card"><h1>This link does not work</h1>
<p>It may have been mistyped, or it is no longer valid. If you need help, reply to the email that brought you here.</p></div>`,
  });
}
