import { z } from 'zod';
import { defineRoute } from '../route.ts';
import { unsubscribeForm } from './unsubscribe.page.ts';

/** The HTML pages outside the console: a requester's status and unsubscribe pages, and the development outbox. */

const html = (description: string) => ({ description, contentType: 'text/html' as const });
const tokenParams = z.object({ token: z.string().meta({ description: 'the token from the email' }) });

export const pageRoutes = {
  statusPage: defineRoute({
    method: 'get',
    path: '/r/:token',
    auth: 'none',
    rateLimit: 'pages',
    summary: "A requester's status page (the token from a status email is the credential)",
    params: tokenParams,
    responses: { 200: html('The page'), 404: html('Unknown or expired link') },
  }),
  unsubscribePage: defineRoute({
    method: 'get',
    path: '/unsubscribe/:token',
    auth: 'none',
    rateLimit: 'pages',
    summary: 'The unsubscribe form (nothing changes on a GET)',
    params: tokenParams,
    responses: { 200: html('The form'), 404: html('Unknown or expired link') },
  }),
  unsubscribe: defineRoute({
    method: 'post',
    path: '/unsubscribe/:token',
    auth: 'none',
    rateLimit: 'pages',
    summary: 'Stop status emails: about this feature, all of them, or daily digest only',
    params: tokenParams,
    body: { kind: 'form', schema: unsubscribeForm },
    responses: {
      200: html('Done'),
      400: html('No valid choice: the form again'),
      404: html('Unknown or expired link'),
    },
  }),
  oneClickPage: defineRoute({
    method: 'get',
    path: '/unsubscribe/:token/one-click',
    auth: 'none',
    rateLimit: 'pages',
    summary: 'The one-click URL opened in a browser: 303 to the unsubscribe form',
    params: tokenParams,
    responses: { 303: { description: 'To /unsubscribe/{token}' } },
  }),
  oneClickUnsubscribe: defineRoute({
    method: 'post',
    path: '/unsubscribe/:token/one-click',
    auth: 'none',
    rateLimit: 'pages',
    summary: 'RFC 8058 one-click unsubscribe (the mail client posts List-Unsubscribe=One-Click)',
    params: tokenParams,
    responses: {
      200: { description: 'unsubscribed', contentType: 'text/plain' },
      404: { description: 'Unknown or expired link', contentType: 'text/plain' },
    },
  }),
  devMailList: defineRoute({
    method: 'get',
    path: '/dev/mail',
    auth: 'none',
    summary: 'The development outbox, newest first (only where SMTP_URL is not set, never in production)',
    responses: { 200: html('The outbox') },
  }),
  devMailMessage: defineRoute({
    method: 'get',
    path: '/dev/mail/:id',
    auth: 'none',
    summary: 'One message of the development outbox: headers, text part, HTML part (sandboxed)',
    params: z.object({ id: z.string() }),
    responses: { 200: html('The message'), 404: html('No such message') },
  }),
};
