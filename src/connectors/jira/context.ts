import type { CloudClient } from 'jira.js';
import type { TrackerIssueState } from '../../domain/tracker.ts';
import { ConnectorError } from '../errors.ts';
import type { JiraClient } from './client.ts';
import { classifyJiraError } from './errors.ts';
import { ISSUE_PROPERTY, type JiraSiteRef, jiraIssueState, STATE_FIELDS } from './map.ts';

/** What the Jira tracker's parts share: the client, the site, and the one way every call is made. */
export interface JiraContext {
  client: JiraClient;
  site: JiraSiteRef;
  /** Runs SDK calls; whatever fails comes out as a ConnectorError (classifyJiraError). */
  call<T>(fn: (api: CloudClient) => Promise<T>): Promise<T>;
  /** The API user's profile time zone (`myself.timeZone`), read once: Jira reads JQL date literals in it. */
  timeZone(): Promise<string>;
  /** One issue's state; undefined when Jira says it does not exist (deleted, or no longer visible to us). */
  getState(idOrKey: string): Promise<TrackerIssueState | undefined>;
  now(): number;
}

export function createJiraContext(client: JiraClient, site: JiraSiteRef, now: () => number): JiraContext {
  const call = async <T>(fn: (api: CloudClient) => Promise<T>): Promise<T> => {
    try {
      return await fn(client.api);
    } catch (err) {
      throw classifyJiraError(err);
    }
  };
  let zone: Promise<string> | undefined;
  return {
    client,
    site,
    call,
    now,
    timeZone() {
      zone ??= call(async (api) => {
        const me = await api.myself.getCurrentUser();
        // Jira answers every user's timeZone to that user; a missing one would mean the site default, unknown here.
        const timeZone = me.timeZone ?? '';
        if (!isTimeZone(timeZone)) {
          throw new ConnectorError(
            'config',
            'jira',
            `Jira gave no usable time zone for the API user: '${timeZone}'`,
          );
        }
        return timeZone;
      });
      // A failed lookup is not cached: the next call asks again.
      zone.catch(() => {
        zone = undefined;
      });
      return zone;
    },
    async getState(idOrKey) {
      try {
        const issue = await call((api) =>
          api.issues.getIssue({
            issueIdOrKey: idOrKey,
            fields: [...STATE_FIELDS],
            properties: [ISSUE_PROPERTY],
          }),
        );
        return jiraIssueState(issue, site);
      } catch (err) {
        if (err instanceof ConnectorError && err.kind === 'not_found') return undefined;
        throw classifyJiraError(err);
      }
    },
  };
}

function isTimeZone(timeZone: string): boolean {
  if (timeZone === '') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}
