import type { PushTarget } from '../../domain/tracker.ts';
import type { TrackerCheck } from '../tracker.ts';
import { WEBHOOKS, type Webhooks } from './documents.ts';
import { classifyLinearError } from './errors.ts';
import type { LinearContext } from './issue-writes.ts';
import { request } from './workspace.ts';

/**
 * Linear's data-change webhooks exist for Issue (and comments, labels, customers, ...) but not for issue
 * relations (https://linear.app/developers/webhooks): a duplicate shows as an Issue update into a `duplicate`
 * state, and getIssue / changedSince read which issue it duplicates.
 */
const WEBHOOK_RESOURCE_TYPES = ['Issue'] as const;

/** `doctor` for one workspace: the credentials, then each team the targets name. */
export async function checkLinearWorkspace(
  ctx: LinearContext,
  targets: readonly PushTarget[],
): Promise<TrackerCheck[]> {
  const checks: TrackerCheck[] = [];
  const name = `linear ${ctx.site}`;
  try {
    const viewer = await ctx.client.viewer;
    checks.push({ name: `${name}: credentials`, ok: true, detail: `signed in as ${viewer.email}` });
  } catch (error) {
    const e = classifyLinearError(error);
    checks.push({ name: `${name}: credentials`, ok: false, detail: `${e.kind}: ${e.message}` });
    return checks;
  }
  const keys = new Set(
    targets.flatMap((t) => (t.kind === 'linear' && t.workspace === ctx.site ? [t.team] : [])),
  );
  for (const key of keys) checks.push(await checkTeam(ctx, `${name}: team ${key}`, key));
  return checks;
}

async function checkTeam(ctx: LinearContext, name: string, key: string): Promise<TrackerCheck> {
  try {
    const team = await ctx.workspace.findTeam(key);
    if (!team) return { name, ok: false, detail: `no team with key ${key}` };
    const states = team.states.nodes.map((s) => `${s.name} (${s.type})`).join(', ');
    const intake = ctx.workspace.intakeState(team);
    return { name, ok: true, detail: `new issues go to ${intake.name}; states: ${states}` };
  } catch (error) {
    const e = classifyLinearError(error);
    return { name, ok: false, detail: `${e.kind}: ${e.message}` };
  }
}

/** Registers our webhook for the workspace unless one with this URL is already there. */
export async function registerLinearWebhook(ctx: LinearContext, url: string, secret: string): Promise<void> {
  let after: string | null = null;
  do {
    const data: Webhooks = await request<Webhooks>(ctx.client, WEBHOOKS, { after });
    if (data.webhooks.nodes.some((w) => w.url === url)) return;
    after = data.webhooks.pageInfo.hasNextPage ? data.webhooks.pageInfo.endCursor : null;
  } while (after);
  const resourceTypes = [...WEBHOOK_RESOURCE_TYPES];
  await ctx.client.createWebhook({
    url,
    secret,
    resourceTypes,
    allPublicTeams: true,
    label: 'Suggested Sync',
  });
}
