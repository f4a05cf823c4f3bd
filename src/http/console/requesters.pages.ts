import type { Request, Response } from 'express';
import {
  companyPageData,
  requesterPageData,
  SEARCH_LIMIT,
  searchRequesters,
} from '../../store/console-requesters.repo.ts';
import type { AppDeps } from '../app.ts';
import { ROUTES, type RouteHandlers } from '../route-table.ts';
import { CONSOLE_CSP, sendView } from '../views/views.ts';
import { layoutData, sessionOf } from './console-session.ts';
import { sendConsoleError } from './error-page.ts';
import { formatTime } from './format-time.ts';
import { requesterView } from './requester-view.ts';
import { consoleStatusWords } from './status-words.ts';

/**
 * Requesters and companies: a search by email, domain or name; a requester's requests, the mail sent them and
 * their choices, with export and erasure (members only, through the same use cases as the API, as the signed-in
 * person); a company's requesters and what they asked for.
 */

const DONE: Record<string, string> = {
  erased: 'Erased: their name, address and words are gone; their requests still count, anonymously.',
};

const ERRORS: Record<string, string> = {
  'already-erased': 'This requester was erased already: there is nothing left to erase.',
  'bad-confirmation': 'Type the requester’s email address to confirm.',
  mismatch: 'The address typed is not this requester’s, so nothing was erased. Type it exactly as shown.',
};

const notFound = (req: Request, res: Response, what: 'requester' | 'company') =>
  sendConsoleError(req, res, {
    status: 404,
    title: `No such ${what}`,
    detail: `There is no ${what} with this id: it may have been mistyped. Search from the Requesters page.`,
  });

async function requesterPage(
  deps: AppDeps,
  req: Request,
  res: Response,
  id: string,
  message: { done?: string | undefined; error?: string | undefined; status?: number },
) {
  const data = await requesterPageData(deps.store.db, id);
  if (!data) return notFound(req, res, 'requester');
  const view = requesterView(data);
  sendView(
    res,
    'console/requester',
    {
      layout: layoutData(req, 'requesters', view.erased ? 'Erased requester' : (view.name ?? view.email)),
      ...view,
      canChange: sessionOf(req).role === 'member',
      done: message.done ? DONE[message.done] : undefined,
      error: message.error ? ERRORS[message.error] : undefined,
    },
    { csp: CONSOLE_CSP, status: message.status ?? 200 },
  );
}

async function searchPage(deps: AppDeps, q: string, req: Request, res: Response) {
  const found = await searchRequesters(deps.store.db, q);
  sendView(
    res,
    'console/requesters',
    {
      layout: layoutData(req, 'requesters', 'Requesters and companies'),
      q: q.trim(),
      ...found,
      limit: SEARCH_LIMIT,
    },
    { csp: CONSOLE_CSP },
  );
}

async function exportRequester(deps: AppDeps, id: string, req: Request, res: Response) {
  const data = await deps.application.requesterRights.export(id, sessionOf(req).email);
  if (!data) return notFound(req, res, 'requester');
  res
    .status(200)
    .set({
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Disposition': `attachment; filename="requester-${id}.json"`,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    })
    .send(`${JSON.stringify(data, null, 2)}\n`);
}

/** Erases once the requester's address is typed back; the page again, naming the problem, when it is not. */
async function eraseRequester(deps: AppDeps, id: string, req: Request, res: Response) {
  const parsed = ROUTES.consoleRequesterErase.body.schema.safeParse(req.body);
  const data = await requesterPageData(deps.store.db, id);
  if (!data) return notFound(req, res, 'requester');
  if (data.requester.erasedAt) {
    return void res.redirect(303, `/console/requesters/${id}?error=already-erased`);
  }
  const typed = parsed.success ? parsed.data.confirm.trim() : '';
  if (typed !== data.requester.email.trim()) {
    const error = typed === '' ? 'bad-confirmation' : 'mismatch';
    return requesterPage(deps, req, res, id, { error, status: 400 });
  }
  const erased = await deps.application.requesterRights.erase(id, sessionOf(req).email);
  if (erased.outcome === 'not-found') return notFound(req, res, 'requester');
  req.log.info({ requesterId: id, requests: erased.requestIds.length }, 'requester erased from the console');
  res.redirect(303, `/console/requesters/${id}?done=erased`);
}

async function companyPage(deps: AppDeps, id: string, req: Request, res: Response) {
  const data = await companyPageData(deps.store.db, id);
  if (!data) return notFound(req, res, 'company');
  const { company } = data;
  sendView(
    res,
    'console/company',
    {
      layout: layoutData(req, 'requesters', company.name ?? company.domain ?? 'Company'),
      company: { ...company, createdAt: formatTime(company.createdAt) },
      requesters: data.requesters,
      requesterCount: data.requesterCount,
      features: data.features,
      statusWords: consoleStatusWords,
    },
    { csp: CONSOLE_CSP },
  );
}

export function requesterPages(
  deps: AppDeps,
): Pick<
  RouteHandlers,
  | 'consoleRequesters'
  | 'consoleRequester'
  | 'consoleRequesterExport'
  | 'consoleRequesterErase'
  | 'consoleCompany'
> {
  return {
    consoleRequesters: ({ query: { q = '' } }, req, res) => searchPage(deps, q, req, res),
    consoleRequester: ({ params: { id }, query }, req, res) => requesterPage(deps, req, res, id, query),
    consoleRequesterExport: ({ params: { id } }, req, res) => exportRequester(deps, id, req, res),
    consoleRequesterErase: ({ params: { id } }, req, res) => eraseRequester(deps, id, req, res),
    consoleCompany: ({ params: { id } }, req, res) => companyPage(deps, id, req, res),
  };
}
