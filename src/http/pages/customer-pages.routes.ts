import type { Response } from 'express';
import { messageLinks } from '../../rules/notify/links.ts';
import { type TokenClaims, verifyToken } from '../../rules/notify/tokens.ts';
import type { Db } from '../../store/db.ts';
import { tokenKeyOnce } from '../../store/secrets.repo.ts';
import { loadStatusPage, tokenRequester } from '../../store/status-page.repo.ts';
import { createSubscriptionsRepo } from '../../store/subscriptions.repo.ts';
import type { RouteHandlers } from '../route-table.ts';
import { sendCustomerPage, sendNotFound } from './customer-page.ts';
import { statusPageData } from './status.page.ts';
import { unsubscribeDoneData, unsubscribeForm, unsubscribeFormData } from './unsubscribe.page.ts';

interface CustomerPagesDeps {
  db: Db;
  productName: string;
}

type PageRoutes = 'statusPage' | 'unsubscribePage' | 'unsubscribe' | 'oneClickPage' | 'oneClickUnsubscribe';

type Subscriptions = ReturnType<typeof createSubscriptionsRepo>;

interface FormPage {
  productName: string;
  claims: TokenClaims;
  token: string;
  /** Why the form is shown again (a 400), if it is. */
  alert?: string;
}

/** The unsubscribe link a status page offers, when the token names a request of a feature. */
function unsubscribeLink(key: Buffer, claims: TokenClaims): string | undefined {
  if (!claims.requestId || !claims.featureId) return undefined;
  return messageLinks({
    // Relative: the unsubscribe page is on this page's origin, whatever PUBLIC_URL says.
    publicUrl: '',
    key,
    requesterId: claims.requesterId,
    tokenVersion: claims.version,
    requestId: claims.requestId,
    featureId: claims.featureId,
  }).unsubscribe;
}

/** The unsubscribe form as the requester's subscriptions stand, with an alert above it if any. */
async function sendUnsubscribeForm(
  res: Response,
  subscriptions: Subscriptions,
  { productName, claims, token, alert }: FormPage,
) {
  const state = await subscriptions.state(claims.requesterId, claims.featureId);
  const data = unsubscribeFormData(state, { action: `/unsubscribe/${token}`, productName, alert });
  sendCustomerPage(res, 'unsubscribe', data, { status: alert ? 400 : 200 });
}

async function oneClickUnsubscribe(subscriptions: Subscriptions, claims: TokenClaims, res: Response) {
  await subscriptions.unsubscribe({
    requesterId: claims.requesterId,
    featureId: claims.featureId ?? null,
    via: 'one-click',
  });
  res.status(200).type('text/plain').set('Cache-Control', 'no-store').send('unsubscribed\n');
}

/**
 * The pages a requester reaches from a status email: `/r/<token>` (status), `/unsubscribe/<token>` (GET: confirm
 * form, POST: do it) and RFC 8058 one-click `POST /unsubscribe/<token>/one-click`. The token is the credential (no
 * API key, no CSRF token: it is as secret as the email it came in), and nothing changes on a GET, because mail
 * scanners and link previews fetch every URL in a message. Each page is limited per client (route table).
 */
export function customerPagesHandlers({
  db,
  productName,
}: CustomerPagesDeps): Pick<RouteHandlers, PageRoutes> {
  const subscriptions = createSubscriptionsRepo(db);
  const tokenKey = tokenKeyOnce(db);
  /** The token's claims, if it is genuine, of this purpose, and its requester is neither erased nor revoked. */
  async function claimsOf(token: string, purpose: TokenClaims['purpose']) {
    const claims = verifyToken(await tokenKey(), token, purpose);
    if (!claims || !(await tokenRequester(db, claims))) return undefined;
    return claims;
  }
  const formPage = (res: Response, page: Omit<FormPage, 'productName'>) =>
    sendUnsubscribeForm(res, subscriptions, { productName, ...page });
  const oneClick = (claims: TokenClaims, res: Response) => oneClickUnsubscribe(subscriptions, claims, res);

  return {
    statusPage: async ({ params: { token } }, _req, res) => {
      const claims = await claimsOf(token, 'status');
      const view = claims && (await loadStatusPage(db, claims));
      if (!claims || !view) return sendNotFound(res);
      const unsubscribe = unsubscribeLink(await tokenKey(), claims);
      sendCustomerPage(res, 'status', statusPageData(view, { unsubscribe, productName }));
    },

    unsubscribePage: async ({ params: { token } }, _req, res) => {
      const claims = await claimsOf(token, 'unsubscribe');
      if (!claims) return sendNotFound(res);
      await formPage(res, { claims, token });
    },

    unsubscribe: async ({ params: { token } }, req, res) => {
      const claims = await claimsOf(token, 'unsubscribe');
      if (!claims) return sendNotFound(res);
      const sent = (req.body ?? {}) as Record<string, unknown>;
      const { shape } = unsubscribeForm;
      // A client that POSTs the RFC 8058 body to the page URL gets the one-click behaviour.
      if (shape['List-Unsubscribe'].safeParse(sent['List-Unsubscribe']).data === 'One-Click') {
        return oneClick(claims, res);
      }
      const choice = shape.choice.safeParse(sent['choice']).data;
      if (!choice || (choice === 'feature' && !claims.featureId)) {
        const alert = 'Choose one of the options below, then confirm.';
        return formPage(res, { claims, token, alert });
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
      const done = unsubscribeDoneData(choice, { featureTitle: state.feature?.title, productName });
      sendCustomerPage(res, 'unsubscribed', done);
    },

    // Someone opening the one-click URL in a browser gets the page; a GET never unsubscribes.
    oneClickPage: ({ params: { token } }, _req, res) => {
      res.redirect(303, `/unsubscribe/${encodeURIComponent(token)}`);
    },

    // RFC 8058: the mail client POSTs `List-Unsubscribe=One-Click` (multipart or urlencoded) with no page and no
    // cookies; the token in the URL is the whole authority, so the body is not needed to act. https://www.rfc-editor.org/rfc/rfc8058#section-3.2
    oneClickUnsubscribe: async ({ params: { token } }, _req, res) => {
      const claims = await claimsOf(token, 'unsubscribe');
      if (!claims) return void res.status(404).type('text/plain').send('unknown or expired link\n');
      await oneClick(claims, res);
    },
  };
}
