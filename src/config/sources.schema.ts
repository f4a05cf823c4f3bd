import { z } from 'zod';
import { emailInboxSourceSchema } from '../connectors/email-inbox/config.ts';
import { intercomSourceSchema } from '../connectors/intercom/config.ts';
import { slackSourceSchema } from '../connectors/slack/config.ts';
import { zendeskSourceSchema } from '../connectors/zendesk/config.ts';

/**
 * The YAML `sources:` list: every intake source, one entry each, told apart by `kind`. A new kind adds its schema
 * (from `src/connectors/<kind>/config.ts`) to this union and its factory to `src/connectors/source-registry.ts`.
 */
export const sourceSchema = z.discriminatedUnion('kind', [
  zendeskSourceSchema,
  intercomSourceSchema,
  slackSourceSchema,
  emailInboxSourceSchema,
]);

export const sourcesSchema = z.array(sourceSchema).default([]);

type SourceConfig = z.infer<typeof sourceSchema>;

/** A source's config with its `...Env` references read: `tokenEnv: X` gives `secrets.token` = the value of X. */
export type Resolved<C> = C & { secrets: Record<string, string> };
export type ResolvedSourceConfig = Resolved<SourceConfig>;

/**
 * Reads every `<name>Env` field of every source from the environment into `secrets.<name>`, and checks ids are
 * unique. Returns every problem, one line each, in the same form as other configuration errors.
 */
export function resolveSources(
  list: SourceConfig[],
  env: Record<string, string | undefined>,
): { sources: ResolvedSourceConfig[]; problems: string[] } {
  const problems: string[] = [];
  const sources = list.map((source, i) => {
    const secrets: Record<string, string> = {};
    for (const [key, value] of Object.entries(source)) {
      if (!key.endsWith('Env') || typeof value !== 'string') continue;
      const read = env[value]?.trim();
      if (read) secrets[key.slice(0, -'Env'.length)] = read;
      else problems.push(`CONFIG_FILE sources[${i}].${key}: environment variable ${value} is not set`);
    }
    return { ...source, secrets };
  });
  const ids = list.map((s) => s.id);
  for (const id of new Set(ids.filter((x, i) => ids.indexOf(x) !== i))) {
    problems.push(`CONFIG_FILE sources: id "${id}" is configured twice (each source needs its own id)`);
  }
  return { sources, problems };
}
