import { issueIdFor } from '../src/connectors/linear/map.ts';
import type { EmulatorIssue } from './emulators.ts';
import type { IntakeResult } from './intake.ts';
import type { DatabaseView, LinkRow } from './observe.ts';

/**
 * The suite's verdict, from what it observed once the system settled (pure: data in, rows out). Each row is one
 * promise the service makes (docs/guarantees.md), its figure, and what it should be.
 */

export interface CheckRow {
  name: string;
  value: string;
  aim: string;
  ok: boolean;
  /** What went wrong, a few examples at most. */
  detail?: string;
}

export interface Observed {
  /** Distinct requests the suite meant to send (repeats counted once). */
  planned: number;
  intake: IntakeResult;
  db: DatabaseView;
  issues: readonly EmulatorIssue[];
  mails: ReadonlyArray<{ envelope: { to: string[] }; messageId: string }>;
  schedulesBefore: readonly string[];
  schedulesAfter: readonly string[];
  processes: ReadonlyArray<{ name: string; alive: boolean; exit: string }>;
  moved: readonly EmulatorIssue[];
  faults: { planned: number; failed: readonly string[] };
  settle: { settled: boolean; seconds: number; limitSeconds: number; waitingFor: readonly string[] };
}

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
/**
 * The Jira label creates carried before the mark became the entity property alone (connectors/jira/map.ts
 * legacyMarkLabel), and the link back to the feature (description, remote link, attachment).
 */
const MARKS = [new RegExp(`suggested-sync-f-(${UUID})-`, 'g'), new RegExp(`/v1/features/(${UUID})`, 'g')];

/**
 * The features an issue was made for, by every mark it carries: the old Jira mark label, the link back
 * in its description, attachment or remote link, and for Linear its id, which the service derives from its link.
 */
function featuresOf(issue: EmulatorIssue, linearIds: ReadonlyMap<string, string>): Set<string> {
  const found = new Set<string>();
  for (const mark of MARKS) for (const m of issue.text.matchAll(mark)) if (m[1]) found.add(m[1]);
  const byId = issue.kind === 'linear' ? linearIds.get(issue.id) : undefined;
  if (byId) found.add(byId);
  return found;
}

function linkOfIssue(issue: EmulatorIssue, links: readonly LinkRow[]): LinkRow | undefined {
  return links.find(
    (l) =>
      l.kind === issue.kind && (issue.kind === 'jira' ? l.issueKey === issue.id : l.issueId === issue.id),
  );
}

/** Moved issues whose feature does not say `shipped` yet. */
export function notShipped(moved: readonly EmulatorIssue[], links: readonly LinkRow[]): EmulatorIssue[] {
  return moved.filter((issue) => linkOfIssue(issue, links)?.featureStatus !== 'shipped');
}

const examples = (items: readonly string[]) =>
  items.length > 3 ? `${items.slice(0, 3).join('; ')}; … (${items.length})` : items.join('; ');

const row = (name: string, value: string, aim: string, ok: boolean, problems: readonly string[] = []) => ({
  name,
  value,
  aim,
  ok,
  ...(problems.length > 0 ? { detail: examples(problems) } : {}),
});

function intakeRows(o: Observed): CheckRow[] {
  const accepted = o.intake.accepted.size;
  const byId = new Map(o.db.requests.map((r) => [r.id, r]));
  const notOnce = [...o.intake.accepted].filter((id) => {
    const r = byId.get(id);
    return !r?.triaged || r.decisions !== 1;
  });
  return [
    row(
      'requests accepted (202)',
      `${accepted}/${o.planned}`,
      'all',
      accepted === o.planned && o.intake.refused.length === 0,
      o.intake.refused,
    ),
    row(
      'triaged exactly once',
      `${accepted - notOnce.length}/${accepted}`,
      'all',
      notOnce.length === 0 && accepted > 0,
      notOnce.map((id) => {
        const r = byId.get(id);
        return r ? `${id}: triaged ${r.triaged}, ${r.decisions} decisions` : `${id}: not in the database`;
      }),
    ),
    row(
      'requests stored',
      `${o.db.storedRequests}`,
      `${accepted} (one per 202)`,
      o.db.storedRequests === accepted,
    ),
  ];
}

function trackerRows(o: Observed): CheckRow[] {
  const linearIds = new Map(
    o.db.links.filter((l) => l.kind === 'linear').map((l) => [issueIdFor(l.idempotencyKey), l.featureId]),
  );
  const perFeature = new Map<string, number>();
  for (const issue of o.issues) {
    for (const feature of featuresOf(issue, linearIds)) {
      const key = `${issue.kind} ${feature}`;
      perFeature.set(key, (perFeature.get(key) ?? 0) + 1);
    }
  }
  const twice = [...perFeature].filter(([, n]) => n > 1).map(([key, n]) => `${key}: ${n} issues`);
  const clean = o.db.links.filter((l) => l.state === 'linked' && !l.dirty);
  const unclean = o.db.links
    .filter((l) => !(l.state === 'linked' && !l.dirty))
    .map(
      (l) =>
        `${l.kind} link of ${l.featureId}: ${l.state}${l.dirty ? ', dirty' : ''}${l.lastError ? ` (${l.lastError})` : ''}`,
    );
  const lagging = notShipped(o.moved, o.db.links);
  return [
    row(
      'issues created once',
      `${perFeature.size - twice.length}/${perFeature.size}`,
      'all (≤ 1 issue per feature and tracker)',
      twice.length === 0 && perFeature.size > 0,
      twice,
    ),
    row(
      'links pushed, none dirty',
      `${clean.length}/${o.db.links.length}`,
      'all',
      unclean.length === 0,
      unclean,
    ),
    row(
      'status back from trackers',
      `${o.moved.length - lagging.length}/${o.moved.length}`,
      'all moved issues shipped',
      lagging.length === 0 && o.moved.length > 0,
      lagging.map((i) => `${i.kind} ${i.id}`),
    ),
  ];
}

function mailRows(o: Observed): CheckRow[] {
  const perMessage = new Map<string, number>();
  for (const mail of o.mails) {
    for (const to of mail.envelope.to) {
      const key = `${to} ${mail.messageId}`;
      perMessage.set(key, (perMessage.get(key) ?? 0) + 1);
    }
  }
  const twice = [...perMessage].filter(([, n]) => n > 1).map(([key, n]) => `${key}: ${n} times`);
  const received = new Set(o.mails.map((m) => m.messageId));
  const due = o.db.notifications.filter((n) => n.state !== 'cancelled' && n.state !== 'suppressed');
  const missing = due
    .filter((n) => n.state !== 'sent' || !received.has(n.messageId))
    .map((n) => `${n.messageId}: ${n.state}${n.state === 'sent' ? ' but never received' : ''}`);
  return [
    row(
      'emails received once',
      `${perMessage.size - twice.length}/${perMessage.size}`,
      'all (per recipient and Message-ID)',
      twice.length === 0 && perMessage.size > 0,
      twice,
    ),
    row(
      'notifications sent',
      `${due.length - missing.length}/${due.length}`,
      'all, received by SMTP',
      missing.length === 0 && due.length > 0,
      missing,
    ),
  ];
}

function systemRows(o: Observed): CheckRow[] {
  const after = new Set(o.schedulesAfter);
  const lost = o.schedulesBefore.filter((s) => !after.has(s));
  const dead = o.processes.filter((p) => !p.alive);
  const { settle } = o;
  return [
    row(
      'schedules present again',
      `${o.schedulesBefore.length - lost.length}/${o.schedulesBefore.length}`,
      'all present at start',
      // None at start would mean the suite read the wrong place, not that nothing was lost.
      lost.length === 0 && o.schedulesBefore.length > 0,
      lost.map((s) => `${s} missing`),
    ),
    row(
      'processes alive',
      `${o.processes.length - dead.length}/${o.processes.length}`,
      'all (API, 2 workers)',
      dead.length === 0,
      dead.map((p) => `${p.name}: ${p.exit}`),
    ),
    row(
      'faults injected',
      `${o.faults.planned - o.faults.failed.length}/${o.faults.planned}`,
      'all',
      o.faults.failed.length === 0,
      o.faults.failed.map((f) => `${f} failed`),
    ),
    row(
      'settled',
      settle.settled ? `in ${settle.seconds.toFixed(0)} s` : `not in ${settle.limitSeconds} s`,
      `≤ ${settle.limitSeconds} s`,
      settle.settled,
      settle.waitingFor,
    ),
  ];
}

export function evaluate(o: Observed): CheckRow[] {
  return [...intakeRows(o), ...trackerRows(o), ...mailRows(o), ...systemRows(o)];
}
