import type { ErrorRequestHandler, RequestHandler, Response } from 'express';

/**
 * Jira's one error shape: `{"errorMessages":[…],"errors":{field: message}}`.
 * https://developer.atlassian.com/cloud/jira/platform/rest/v3/intro/#status-codes
 */
export class JiraError extends Error {
  readonly status: number;
  readonly errorMessages: string[];
  readonly errors: Record<string, string>;
  readonly headers: Record<string, string>;
  constructor(
    status: number,
    errorMessages: string[],
    errors: Record<string, string> = {},
    headers: Record<string, string> = {},
  ) {
    super(errorMessages[0] ?? Object.values(errors)[0] ?? `HTTP ${status}`);
    this.status = status;
    this.errorMessages = errorMessages;
    this.errors = errors;
    this.headers = headers;
  }
}

export const ISSUE_NOT_FOUND = 'Issue does not exist or you do not have permission to see it.';

export const issueNotFound = () => new JiraError(404, [ISSUE_NOT_FOUND]);
export const badRequest = (...messages: string[]) => new JiraError(400, messages);
export const fieldErrors = (errors: Record<string, string>) => new JiraError(400, [], errors);

export function sendJiraError(res: Response, error: JiraError): void {
  res
    .status(error.status)
    .set(error.headers)
    .json({ errorMessages: error.errorMessages, errors: error.errors });
}

/** Unknown paths under /rest answer in Jira's shape, never with an HTML page. */
export const restNotFound: RequestHandler = (req) => {
  throw new JiraError(404, [
    `The Jira emulator has no route for ${req.method} ${req.originalUrl.split('?')[0]}.`,
  ]);
};

/**
 * JiraError as-is; unreadable JSON as 400 (as Jira does); any other error that carries a 4xx `status` (express's
 * undecodable path parameter is a 400) as that status; anything else as a 500. Always in Jira's shape.
 */
export const jiraErrorHandler: ErrorRequestHandler = (err: unknown, _req, res, _next) => {
  if (err instanceof JiraError) return sendJiraError(res, err);
  const { type, status, message } = err as { type?: string; status?: unknown; message?: string };
  if (type === 'entity.parse.failed') {
    return sendJiraError(res, badRequest(`Unexpected character in the JSON body: ${message}`));
  }
  if (type === 'entity.too.large')
    return sendJiraError(res, new JiraError(413, ['Request entity too large.']));
  if (typeof status === 'number' && Number.isInteger(status) && status >= 400 && status < 500) {
    return sendJiraError(res, new JiraError(status, [message || `HTTP ${status}`]));
  }
  sendJiraError(res, new JiraError(500, [`Internal server error: ${message}`]));
};
