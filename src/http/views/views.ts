import { fileURLToPath } from 'node:url';
import { Eta } from 'eta';
import type { Response } from 'express';

/**
 * Every HTML page is an Eta template under templates/ (customer/ for requesters, console/ for the team), rendered
 * with auto-escaping: `<%= value %>` is always escaped. `<%~ %>` (raw) is kept for `include()` and a layout's
 * `it.body`, which are templates' own output; no page assembles HTML from strings by hand.
 */
const eta = new Eta({
  views: fileURLToPath(new URL('./templates', import.meta.url)),
  cache: true,
  autoEscape: true,
  autoTrim: [false, 'nl'],
});

/** The rendered template `name` (a path under templates/, without `.eta`) with `data` as `it`. */
export function renderView(name: string, data: object): string {
  return eta.render(`./${name}`, data);
}

/** The customer pages' policy: their one inline stylesheet, nothing else, from anywhere. */
export const CUSTOMER_CSP = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The console's policy: its own stylesheet and script, served from this origin; nothing inline, nothing else. */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "style-src 'self'",
  "script-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Sends a rendered page with the headers every page carries (not cached, not indexed, no sniffing). */
export function sendView(
  res: Response,
  name: string,
  data: object,
  { status = 200, csp }: { status?: number; csp: string },
): void {
  res
    .status(status)
    .set({
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': csp,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-store',
      'X-Robots-Tag': 'noindex, nofollow',
    })
    .send(renderView(name, data));
}
