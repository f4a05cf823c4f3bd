import type { Response } from 'express';
import { CUSTOMER_CSP, sendView } from '../views/views.ts';

/**
 * Customer-facing pages (templates under views/templates/customer/): server-rendered, no scripts, no external
 * assets, one inline stylesheet with AA-contrast colours, and a CSP that allows nothing else (a page never loads
 * what user text might name). The templates escape every value they print.
 */
export function sendCustomerPage(
  res: Response,
  name: string,
  data: object,
  { status = 200, csp = CUSTOMER_CSP }: { status?: number; csp?: string } = {},
): void {
  sendView(res, `customer/${name}`, data, { status, csp });
}

/** A token that does not verify, a message that is not there: one page that tells nothing about which. */
export function sendNotFound(res: Response): void {
  sendCustomerPage(res, 'not-found', {}, { status: 404 });
}
