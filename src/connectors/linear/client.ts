import { LinearClient } from '@linear/sdk';
import { ConnectorError } from '../errors.ts';

interface LinearClientOptions {
  /** A personal API key, sent raw in `Authorization` (https://linear.app/developers/graphql#personal-api-keys). */
  apiKey: string;
  /** Default `https://api.linear.app/graphql`; the sandbox passes the emulator's `/graphql`. */
  apiUrl?: string | undefined;
}

/**
 * The real @linear/sdk client. The SDK refuses an `apiUrl` that is neither https nor a loopback http address, which
 * is our configuration's fault, so it is reported as a `config` ConnectorError rather than a bare Error.
 */
export function createLinearClient(options: LinearClientOptions): LinearClient {
  try {
    return new LinearClient({
      apiKey: options.apiKey,
      ...(options.apiUrl ? { apiUrl: options.apiUrl } : {}),
    });
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    throw new ConnectorError('config', 'linear', message, { cause });
  }
}
