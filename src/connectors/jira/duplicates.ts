import { isDeepStrictEqual } from 'node:util';
import { type AdfDoc, duplicateNoteAdf, replaceDemandAdf } from '../../rules/demand-adf.ts';
import { ConnectorError } from '../errors.ts';
import type { DuplicateTarget, TrackerIssueRef } from '../tracker.ts';
import type { JiraContext } from './context.ts';
import { isDuplicateLinkType } from './map.ts';

/**
 * A merge in Suggested Sync made visible in Jira: the merged feature's issue "duplicates" the survivor's (a
 * `Duplicate` issue link, this issue on the inward side, as Jira's REST names the link's source) and moves to a done
 * status, with the resolution "Duplicate" where the transition's screen offers it; its demand section becomes a note
 * saying where the demand is counted now. Undone by deleting that link and moving the issue back.
 *
 * What the undo needs rides on the issue as an entity property (`DUPLICATE_PROPERTY`), written before the link and
 * the transition: a close repeated after a crash still returns the status the issue had before the first attempt.
 */

export const DUPLICATE_PROPERTY = 'suggested-sync.duplicate';

interface CloseRecord {
  survivorIssueId: string;
  statusBefore: string;
}

interface IssueView {
  key: string;
  statusName: string;
  statusCategory: string;
  /** Duplicate links where this issue is the duplicate: the link's id and the issue it duplicates. */
  duplicates: Array<{ linkId: string; originalId: string }>;
  description: AdfDoc | null;
  record: CloseRecord | undefined;
}

interface TransitionView {
  id: string;
  name: string;
  toName: string;
  toCategory: string;
  /** The resolutions the transition's screen offers; undefined: its screen has no Resolution field. */
  resolutions: string[] | undefined;
}

const rec = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

async function readIssue(ctx: JiraContext, issueId: string): Promise<IssueView> {
  const issue = await ctx.call((api) =>
    api.issues.getIssue({
      issueIdOrKey: issueId,
      fields: ['status', 'issuelinks', 'description'],
      properties: [DUPLICATE_PROPERTY],
    }),
  );
  const fields = rec(issue.fields);
  const status = rec(fields['status']);
  const links = Array.isArray(fields['issuelinks']) ? fields['issuelinks'].map(rec) : [];
  const record = rec(rec(issue.properties)[DUPLICATE_PROPERTY]);
  const description = rec(fields['description']);
  return {
    key: issue.key ?? issueId,
    statusName: str(status['name']),
    statusCategory: str(rec(status['statusCategory'])['key']),
    // Each entry names the other issue under the side that describes it: `outwardIssue` when this one duplicates it.
    duplicates: links.flatMap((l) => {
      const original = str(rec(l['outwardIssue'])['id']);
      return isDuplicateLinkType(l['type']) && original
        ? [{ linkId: str(l['id']), originalId: original }]
        : [];
    }),
    description: description['type'] === 'doc' ? (description as unknown as AdfDoc) : null,
    record: str(record['survivorIssueId'])
      ? { survivorIssueId: str(record['survivorIssueId']), statusBefore: str(record['statusBefore']) }
      : undefined,
  };
}

async function transitionsOf(ctx: JiraContext, issueId: string): Promise<TransitionView[]> {
  const { transitions = [] } = await ctx.call((api) =>
    api.issues.getTransitions({ issueIdOrKey: issueId, expand: 'transitions.fields' }),
  );
  return transitions.flatMap((t) => {
    if (!t.id || t.isAvailable === false) return [];
    const resolution = t.fields?.['resolution'];
    return [
      {
        id: t.id,
        name: t.name ?? '',
        toName: t.to?.name ?? '',
        toCategory: t.to?.statusCategory?.key ?? '',
        resolutions: resolution
          ? (resolution.allowedValues ?? []).map((v: unknown) => str(rec(v)['name']))
          : undefined,
      },
    ];
  });
}

const saysDuplicate = (name: string) => /duplicate/i.test(name);

/** A transition into a done status: one that says duplicate first, then one whose screen offers "Duplicate". */
function closingTransition(transitions: readonly TransitionView[]): TransitionView | undefined {
  const done = transitions.filter((t) => t.toCategory === 'done');
  return (
    done.find((t) => saysDuplicate(t.toName) || saysDuplicate(t.name)) ??
    done.find((t) => t.resolutions?.some(saysDuplicate)) ??
    done[0]
  );
}

/** See `Tracker.closeAsDuplicate`. */
export async function closeAsDuplicate(
  ctx: JiraContext,
  ref: TrackerIssueRef,
  target: DuplicateTarget,
): Promise<{ statusBefore: string }> {
  const issue = await readIssue(ctx, ref.issueId);
  const survivor = await ctx.getState(target.survivor.issueId);
  const survivorKey = survivor?.issueKey ?? (target.survivor.issueKey || target.survivor.issueId);
  if (!survivor) {
    throw new ConnectorError(
      'invalid_input',
      'jira',
      `cannot close Jira issue ${issue.key} as a duplicate: the surviving issue ${survivorKey} is not found`,
    );
  }
  const record = issue.record?.survivorIssueId === survivor.issueId ? issue.record : undefined;
  const statusBefore = record?.statusBefore || issue.statusName;
  // Checked before anything changes: a workflow with no way to a done status refuses the close as a whole.
  const transition =
    issue.statusCategory === 'done' ? undefined : closingTransition(await transitionsOf(ctx, ref.issueId));
  if (issue.statusCategory !== 'done' && !transition) {
    throw new ConnectorError(
      'invalid_input',
      'jira',
      `cannot close Jira issue ${issue.key} (status "${issue.statusName}") as a duplicate of ${survivorKey}: its workflow has no transition to a done status`,
    );
  }
  if (!record) {
    await ctx.call((api) =>
      api.issueProperties.setIssueProperty({
        issueIdOrKey: ref.issueId,
        propertyKey: DUPLICATE_PROPERTY,
        body: { survivorIssueId: survivor.issueId, statusBefore } satisfies CloseRecord,
      }),
    );
  }
  if (!issue.duplicates.some((d) => d.originalId === survivor.issueId)) {
    await ctx.call((api) =>
      api.issueLinks.linkIssues({
        type: { name: 'Duplicate' },
        inwardIssue: { id: ref.issueId },
        outwardIssue: { id: survivor.issueId },
      }),
    );
  }
  if (transition) await doTransition(ctx, ref.issueId, transition);
  const note = duplicateNoteAdf({
    survivorKey,
    survivorUrl: target.survivor.url || survivor.url,
    survivorTitle: target.survivorTitle,
    featureUrl: target.featureUrl,
  });
  const description = replaceDemandAdf(issue.description, note);
  if (!isDeepStrictEqual(description, issue.description)) {
    await ctx.call((api) => api.issues.editIssue({ issueIdOrKey: ref.issueId, fields: { description } }));
  }
  return { statusBefore };
}

async function doTransition(ctx: JiraContext, issueId: string, transition: TransitionView): Promise<void> {
  const resolution = transition.resolutions?.find((name) => name.toLowerCase() === 'duplicate');
  await ctx.call((api) =>
    api.issues.doTransition({
      issueIdOrKey: issueId,
      transition: { id: transition.id },
      ...(resolution ? { fields: { resolution: { name: resolution } } } : {}),
    }),
  );
}

/** The way back: into the status named `statusBefore`, else into one of category new. */
function reopeningTransition(
  transitions: readonly TransitionView[],
  statusBefore: string | null,
): TransitionView | undefined {
  const named = statusBefore?.toLowerCase();
  return (
    (named ? transitions.find((t) => t.toName.toLowerCase() === named) : undefined) ??
    transitions.find((t) => t.toCategory === 'new')
  );
}

/**
 * See `Tracker.reopenDuplicate`. An issue no longer in a done status (someone reopened it) stays where it is; the
 * resolution is cleared by the transition, as Jira does when an issue leaves a done status.
 */
export async function reopenDuplicate(
  ctx: JiraContext,
  ref: TrackerIssueRef,
  undo: { survivor: TrackerIssueRef; statusBefore: string | null },
): Promise<void> {
  const issue = await readIssue(ctx, ref.issueId);
  const statusBefore = issue.record?.statusBefore || undo.statusBefore;
  const back = issue.statusName.toLowerCase() === statusBefore?.toLowerCase();
  const transition =
    issue.statusCategory === 'done' && !back
      ? reopeningTransition(await transitionsOf(ctx, ref.issueId), statusBefore)
      : undefined;
  if (issue.statusCategory === 'done' && !back && !transition) {
    throw new ConnectorError(
      'invalid_input',
      'jira',
      `cannot reopen Jira issue ${issue.key} (status "${issue.statusName}"): its workflow has no transition to "${statusBefore ?? 'an open status'}" or to a status of category To Do`,
    );
  }
  for (const link of issue.duplicates.filter((d) => d.originalId === undo.survivor.issueId)) {
    await ctx.call((api) => api.issueLinks.deleteIssueLink({ linkId: link.linkId }));
  }
  if (transition) {
    await ctx.call((api) =>
      api.issues.doTransition({ issueIdOrKey: ref.issueId, transition: { id: transition.id } }),
    );
  }
  if (issue.record) {
    await ctx.call((api) =>
      api.issueProperties.deleteIssueProperty({ issueIdOrKey: ref.issueId, propertyKey: DUPLICATE_PROPERTY }),
    );
  }
}
