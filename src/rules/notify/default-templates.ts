import type { FeatureStatus } from '../../domain/status.ts';
import type { BackWording } from './back-news.ts';

/** What a status message template may say (render.ts fills each); `{{request.quote}}` is their words, quoted. */
export const STATUS_PLACEHOLDERS = [
  'productName',
  'greeting',
  'requester.name',
  'requester.email',
  'feature.title',
  'status',
  'next',
  'mergedInto.title',
  'unmergedFrom.title',
  'request.title',
  'request.body',
  'request.receivedAt',
  'request.quote',
  'links.statusPage',
  'links.unsubscribe',
] as const;

/** What the digest template may say; `{{items}}` is the list of changes, made by the renderer. */
export const DIGEST_PLACEHOLDERS = [
  'productName',
  'greeting',
  'requester.name',
  'requester.email',
  'count',
  'items',
  'links.unsubscribe',
] as const;

/** Placeholders that stand for a rendered block: fine in a body, meaningless in a subject. */
export const BLOCK_PLACEHOLDERS = ['items', 'request.quote'] as const;

export interface MessageTemplate {
  subject: string;
  text: string;
  html: string;
}

const SUBJECTS: Record<FeatureStatus, string> = {
  received: '{{productName}}: we received your request “{{request.title}}”',
  under_review: '{{productName}}: your request “{{request.title}}” is under review',
  planned: '{{productName}}: your request “{{request.title}}” is planned',
  in_progress: '{{productName}}: your request “{{request.title}}” is being built',
  shipped: '{{productName}}: your request “{{request.title}}” has shipped — you can use it now',
  declined: '{{productName}}: your request “{{request.title}}” was declined',
  merged: '{{productName}}: your request “{{request.title}}” was merged into “{{mergedInto.title}}”',
};

const HEADLINES: Record<FeatureStatus, string> = {
  received: '“{{feature.title}}” has been received.',
  under_review: '“{{feature.title}}” is under review.',
  planned: '“{{feature.title}}” is now planned.',
  in_progress: '“{{feature.title}}” is being built.',
  shipped: '“{{feature.title}}” has shipped — you can use it now.',
  declined: '“{{feature.title}}” was declined.',
  merged: '“{{feature.title}}” was merged into “{{mergedInto.title}}”.',
};

const TEXT_BODY = `{{greeting}}

HEADLINE

Status: {{status}}
What happens next: {{next}}

You asked us on {{request.receivedAt}}:

{{request.quote}}

See the status and its history: {{links.statusPage}}
`;

const P = 'margin:0 0 16px;';
const HTML_BODY = `<p style="${P}">{{greeting}}</p>
<h1 style="margin:0 0 16px;font-size:22px;line-height:1.3;color:#111111;">HEADLINE</h1>
<p style="${P}"><strong>Status:</strong> {{status}}<br><strong>What happens next:</strong> {{next}}</p>
<p style="margin:0 0 8px;">You asked us on {{request.receivedAt}}:</p>
{{request.quote}}
<p style="${P}"><a href="{{links.statusPage}}" style="color:#0b57d0;text-decoration:underline;">See the status and its history</a></p>`;

/** A step back a person took: said as such, whatever the status's own message says. */
const BACK_SUBJECTS: Record<BackWording, string> = {
  reopened: '{{productName}}: your request “{{request.title}}” was reopened — it is {{status}} again',
  moved_back: '{{productName}}: your request “{{request.title}}” is {{status}} again',
  unmerged:
    '{{productName}}: your request “{{request.title}}” is no longer merged into “{{unmergedFrom.title}}”',
};

const BACK_HEADLINES: Record<BackWording, string> = {
  reopened: '“{{feature.title}}” was reopened: it is {{status}} again.',
  moved_back: '“{{feature.title}}” moved back: it is {{status}} again.',
  unmerged: '“{{feature.title}}” is no longer merged into “{{unmergedFrom.title}}”: it is {{status}}.',
};

/** The built-in template for a status; the YAML may replace any part of it. */
export function defaultStatusTemplate(status: FeatureStatus): MessageTemplate {
  return {
    subject: SUBJECTS[status],
    text: TEXT_BODY.replace('HEADLINE', HEADLINES[status]),
    html: HTML_BODY.replace('HEADLINE', HEADLINES[status].replace(/\.$/, '')),
  };
}

/** The built-in message of a step back (a reopened issue, an unmerge); the status's YAML template does not apply. */
export function defaultBackTemplate(wording: BackWording): MessageTemplate {
  return {
    subject: BACK_SUBJECTS[wording],
    text: TEXT_BODY.replace('HEADLINE', BACK_HEADLINES[wording]),
    html: HTML_BODY.replace('HEADLINE', BACK_HEADLINES[wording].replace(/\.$/, '')),
  };
}

export const DEFAULT_DIGEST_TEMPLATE: MessageTemplate = {
  subject: '{{productName}}: news on {{count}} of your requests',
  text: `{{greeting}}

Here is what changed today on the requests you sent us:

{{items}}
`,
  html: `<p style="${P}">{{greeting}}</p>
<h1 style="margin:0 0 16px;font-size:22px;line-height:1.3;color:#111111;">What changed today on your requests</h1>
{{items}}`,
};
