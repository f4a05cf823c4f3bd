import express, { type RequestHandler, Router } from 'express';
import { messageLinks } from '../../rules/notify/links.ts';
import { type TokenClaims, verifyToken } from '../../rules/notify/tokens.ts';
import type { Db } from '../../store/db.ts';
import { tokenKeyOnce } from '../../store/secrets.repo.ts';
import { loadStatusPage, tokenRequester } from '../../store/status-page.repo.ts';
import { createSubscriptionsRepo } from '../../store/subscriptions.repo.ts';
import { sendNotFound, sendPage } from './layout.ts';
import { statusPageBody } from './status.page.ts';
import {
  UNSUBSCRIBE_CHOICES,
  type UnsubscribeChoice,
  unsubscribeDoneBody,
  unsubscribeFormBody,
} from './unsubscribe.page.ts';

export interface CustomerPagesDeps {
  db: Db;
  productName: string;
  /** Limits requests per client (token guessing, scraping); absent: no limit. */
  rateLimit?: RequestHandler | undefined;
}

/**
 * The pages a requester reaches from a status email: `/r/<token>` (status), `/unsubscribe/<token>` (GET: confirm
 * form, POST: do it) and RFC 8058 one-click `POST /unsubscribe/<token>/one-click`. The token is the credential (no
 * API key, no CSRF token: it is as secret as the email it came in), and nothing changes on a GET, because mail
 * scanners and link previews fetch every URL in a message.
 */
export function customerPagesRouter({ db, productName, rateLimit }: CustomerPagesDeps): Router {
  const router = Router();
  const subscriptions = createSubscriptionsRepo(db);
  const tokenKey = tokenKeyOnce(db);
  /** The token's claims, if it is genuine, of this purpose, and its requester is neither erased nor revoked. */
  async function claimsOf(token: string, purpose: TokenClaims['purpose']) {
    const claims = verifyToken(await tokenKey(), token, purpose);
    if (!claims || !(await tokenRequester(db, claims))) return undefined;
    return claims;
  }
  const form = express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 10 });
  const limit: RequestHandler = rateLimit ?? ((_req, _res, next) => next());

  router.get('/r/:token', limit, async (req, res) => {
    const claims = await claimsOf(String(req.params['token']), 'status');
    const view = claims && (await loadStatusPage(db, claims));
    if (!claims || !view) return sendNotFound(res);
    const unsubscribe =
      claims.requestId && claims.featureId
        ? messageLinks({
            // Relative: the unsubscribe page is on this page's origin, whatever PUBLIC_URL says.
            publicUrl: '',
            key: await tokenKey(),
            requesterId: claims.requesterId,
            tokenVersion: claims.version,
            requestId: claims.requestId,
            featureId: claims.featureId,
          }).unsubscribe
        : undefined;
    sendPage(res, {
      title: `${view.feature?.title ?? view.request.title} · ${productName}`,
      body: statusPageBody(view, { unsubscribe }),
    });
  });

  router.get('/unsubscribe/:token', limit, async (req, res) => {
    const claims = await claimsOf(String(req.params['token']), 'unsubscribe');
    if (!claims) return sendNotFound(res);
    const state = await subscriptions.state(claims.requesterId, claims.featureId);
    sendPage(res, {
      title: `Stop status emails · ${productName}`,
      body: unsubscribeFormBody(state, `/unsubscribe/${String(req.params['token'])}`),
    });
  });

  router.post('/unsubscribe/:token', limit, form, async (req, res) => {
    const claims = await claimsOf(String(req.params['token']), 'unsubscribe');
    if (!claims) return sendNotFound(res);
    const body = (req.body ?? {}) as Record<string, unknown>;
    // A client that POSTs the RFC 8058 body to the page URL gets the one-click behaviour.
    if (body['List-Unsubscribe'] === 'One-Click') return oneClick(claims, res);
    const choice = (UNSUBSCRIBE_CHOICES as readonly unknown[]).includes(body['choice'])
      ? (body['choice'] as UnsubscribeChoice)
      : undefined;
    if (!choice || (choice === 'feature' && !claims.featureId)) {
      const state = await subscriptions.state(claims.requesterId, claims.featureId);
      return sendPage(res, {
        status: 400,
        title: `Stop status emails · ${productName}`,
        body: `<p role="alert" class="card">Choose one of the options below, then confirm.</p>${unsubscribeFormBody(state, `/unsubscribe/${String(req.params['token'])}`)}`,
      });
    }
    if (choice === 'digest') await subscriptions.setDigest(claims.requesterId, true);
    else {
      await subscriptions.unsubscribe({
        requesterId: claims.requesterId,
        featureId: choice === 'all' ? null : (claims.featureId ?? null),
        via: 'page',
      });
    }
    const state = await subscriptions.state(claims.requesterId, claims.featureId);
    sendPage(res, {
      title: `Done · ${productName}`,
      body: unsubscribeDoneBody(choice, state.feature?.title),
    });
  });

  // RFC 8058: the mail client POSTs `List-Unsubscribe=One-Click` (multipart or urlencoded) with no page and no
  // cookies; the token in the URL is the whole authority, so the body is not needed to act. https://www.rfc-editor.org/rfc/rfc8058#section-3.2
  router.post('/unsubscribe/:token/one-click', limit, async (req, res) => {
    const claims = await claimsOf(String(req.params['token']), 'unsubscribe');
    if (!claims) return void res.status(404).type('text/plain').send('unknown or expired link\n');
    await oneClick(claims, res);
  });
  // Someone opening the one-click URL in a browser gets the page; a GET never unsubscribes.
  router.get('/unsubscribe/:token/one-click', limit, (req, res) => {
    res.redirect(303, `/unsubscribe/${encodeURIComponent(String(req.params['token']))}`);
  });

  async function oneClick(claims: TokenClaims, res: express.Response) {
    await subscriptions.unsubscribe({
      requesterId: claims.requesterId,
      featureId: claims.featureId ?? null,
      via: 'one-click',
    });
    res.status(200).type('text/plain').set('Cache-Control', 'no-store').send('unsubscribed\n');
  }

  return router;
}
