import { signToken } from './tokens.ts';

interface MessageLinkInput {
  /** The service's public base URL (PUBLIC_URL), with or without a trailing slash. */
  publicUrl: string;
  key: Buffer;
  requesterId: string;
  /** `requesters.token_version` now: bumping it revokes these links. */
  tokenVersion: number;
  requestId: string;
  featureId: string;
}

interface MessageLinks {
  /** GET: the request's status page. */
  statusPage: string;
  /** GET: the unsubscribe page (confirm form); POST from that form does it. */
  unsubscribe: string;
  /** RFC 8058 one-click: POST `List-Unsubscribe=One-Click` here; a GET (a client opening it) shows the page. */
  oneClickUnsubscribe: string;
}

/** The links a message about one request carries. Pure: the key comes from `loadTokenKey`. */
export function messageLinks(input: MessageLinkInput): MessageLinks {
  const base = input.publicUrl.replace(/\/+$/, '');
  const status = signToken(input.key, {
    purpose: 'status',
    requesterId: input.requesterId,
    requestId: input.requestId,
    featureId: input.featureId,
    version: input.tokenVersion,
  });
  const unsubscribe = signToken(input.key, {
    purpose: 'unsubscribe',
    requesterId: input.requesterId,
    requestId: input.requestId,
    featureId: input.featureId,
    version: input.tokenVersion,
  });
  return {
    statusPage: `${base}/r/${status}`,
    unsubscribe: `${base}/unsubscribe/${unsubscribe}`,
    oneClickUnsubscribe: `${base}/unsubscribe/${unsubscribe}/one-click`,
  };
}

/**
 * The unsubscribe links of a daily digest: about no one feature, so one-click stops all status mail and the page
 * offers "all" (or a digest choice already made).
 */
export function digestLinks(
  input: Omit<MessageLinkInput, 'requestId' | 'featureId'>,
): Pick<MessageLinks, 'unsubscribe' | 'oneClickUnsubscribe'> {
  const base = input.publicUrl.replace(/\/+$/, '');
  const token = signToken(input.key, {
    purpose: 'unsubscribe',
    requesterId: input.requesterId,
    version: input.tokenVersion,
  });
  return {
    unsubscribe: `${base}/unsubscribe/${token}`,
    oneClickUnsubscribe: `${base}/unsubscribe/${token}/one-click`,
  };
}
