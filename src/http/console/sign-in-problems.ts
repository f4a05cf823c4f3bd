import type { SignInProblem } from '../../application/console-sign-in.ts';

/** Why the sign-in page shows an alert: a sign-in that did not happen, or a form it refused. */
export type PageProblem = SignInProblem | 'bad-email' | 'cross-origin';

/** Each problem in words, with its status. */
export const PROBLEMS: Record<PageProblem, { status: number; text: string }> = {
  'not-allowed': {
    status: 403,
    text: 'This account may not use the console. Ask a console member to add your address (or your team) to its members or viewers.',
  },
  'link-unknown': {
    status: 404,
    text: 'This sign-in link is not one we sent, or it was copied incompletely. Ask for a new one below.',
  },
  'link-expired': {
    status: 410,
    text: 'This sign-in link has expired: links work for 15 minutes. Ask for a new one below.',
  },
  'link-used': {
    status: 410,
    text: 'This sign-in link has already been used: each link signs in once. Ask for a new one below.',
  },
  'attempt-unknown': {
    status: 400,
    text: 'This sign-in was not started in this browser, or was already finished. Start again below.',
  },
  'attempt-expired': {
    status: 400,
    text: 'This sign-in took longer than 10 minutes and has expired. Start again below.',
  },
  'idp-unreachable': {
    status: 502,
    text: 'The identity provider cannot be reached right now. Try again in a minute; if it lasts, tell whoever runs this service.',
  },
  'idp-refused': {
    status: 403,
    text: 'The identity provider did not sign you in (it was cancelled or refused there). Start again below.',
  },
  'idp-invalid': {
    status: 502,
    text: "The identity provider's answer could not be verified, so you are not signed in. Start again below; if it happens again, tell whoever runs this service.",
  },
  'email-unverified': {
    status: 403,
    text: 'The identity provider has not verified your email address. Verify it there, then sign in again.',
  },
  'no-email': {
    status: 403,
    text: 'The identity provider did not tell us your email address, so we cannot tell whether you may sign in.',
  },
  unavailable: { status: 404, text: 'This way of signing in is not available on this service.' },
  'bad-email': { status: 400, text: 'Enter your email address, like ada@acme.io.' },
  'cross-origin': {
    status: 403,
    text: 'This form did not come from this console, so it was not accepted. Reload the sign-in page and try again.',
  },
};

export const isProblem = (code: string | undefined): code is PageProblem =>
  code !== undefined && Object.hasOwn(PROBLEMS, code);
