import type { Request, Response } from 'express';
import type { Problem } from '../problem.ts';
import { CONSOLE_CSP, sendView } from '../views/views.ts';

export interface ConsoleErrorPage {
  status: number;
  /** The page's heading and title: what went wrong, in a few words. */
  title: string;
  /** One or two sentences saying why and what to do; never the error's own message or a stack. */
  detail: string;
  headers?: Record<string, string>;
}

/**
 * A console error as a page in the console's layout (a 404 under /console, a refused form, a failure): the
 * person reading it is in a browser, not a client that parses problem JSON. A server error shows the request id,
 * which is what the logs are searched by.
 */
export function sendConsoleError(
  req: Request,
  res: Response,
  { status, title, detail, headers = {} }: ConsoleErrorPage,
): void {
  res.set(headers);
  sendView(
    res,
    'console/error',
    {
      layout: { session: req.consoleSession ?? null, nav: null, title },
      title,
      detail,
      requestId: status >= 500 ? req.id : undefined,
    },
    { status, csp: CONSOLE_CSP },
  );
}

/**
 * The error handler's `sendProblem` for a console request: the same problem, as a page. A server error's own
 * detail is replaced by a plain sentence (the page shows the request id instead); a client error names the fields.
 */
export function consoleProblemPage(req: Request, res: Response) {
  return (_res: Response, problem: Problem, headers: Record<string, string> = {}): void => {
    const fields = (problem.errors ?? []).map((e) => `${e.field}: ${e.detail}`).join('; ');
    const detail =
      problem.status >= 500
        ? 'Something went wrong on our side.'
        : `${problem.detail ?? problem.title}${fields ? ` (${fields})` : ''}`;
    sendConsoleError(req, res, { status: problem.status, title: problem.title, detail, headers });
  };
}
