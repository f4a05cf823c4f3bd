import { describe, expect, it } from 'vitest';
import { createDedupeEngine } from './engine.ts';
import { InMemoryDedupeIndex } from './memory-index.ts';

/**
 * Reworded duplicates that share their key words, in a new installation (a handful of features) and in a grown
 * backlog: the same need lands on the same feature, or at least in review against it, whatever the index's size.
 */

const engine = createDedupeEngine();

/** A grown product backlog: 150 feature requests, none of them about dark mode or exporting reports. */
const BACKLOG =
  `Dark mode for emails|Import from CSV|Single sign-on with Okta|Slack integration|Bulk edit tickets
Two-factor authentication|Show archived projects|Hide archived projects|Support Python 3.12|Custom fields on tickets
Email notifications when a ticket is assigned|Calendar view of deadlines|Zapier integration|Gantt chart for projects
Recurring tasks|Time tracking on tickets|Keyboard shortcuts|Microsoft Teams integration|Mobile app for iOS
Webhooks for ticket updates|Android app|Offline mode for the mobile app|Custom dashboard widgets|Daily digest email
Share dashboards with guests|Schedule reports by email|Filter reports by date range|Attach files to comments
Upload files by drag and drop|Increase the file size limit for attachments|Preview PDF attachments in the browser
Search inside attached files|Audit log of admin changes|Role-based permissions for projects|Invite users by link
Remove users in bulk|Transfer project ownership|Duplicate a project with its tasks|Project templates|Subtasks
Task dependencies|Checklists inside tasks|Kanban board view|Swimlanes on the board|Drag tasks between columns
Color labels for tasks|Due date reminders|Snooze notifications|Push notifications on mobile|Desktop notifications
Mention teammates in comments|Emoji reactions on comments|Edit sent comments|Rich text editor for descriptions
Markdown support in comments|Code blocks with syntax highlighting|Spell check in the editor|Change the date format
Translate the interface to German|Right-to-left language support|Set the first day of the week|Time zone per user
Public API for tasks|GraphQL API|Rate limits in the API docs|API keys per workspace|OAuth apps for third parties
GitHub integration|GitLab integration|Jira import|Trello import|Asana import|Google Drive integration|Canned responses
Dropbox integration|Salesforce sync|HubSpot integration|Intercom integration|Zendesk integration|Ticket tags
Stripe billing portal|Pay by invoice|Annual billing discount|Usage-based pricing|Cancel subscription online
Download invoices as PDF|VAT number on invoices|Multiple currencies|Custom domain for the help center|Sprint planning
White-label the portal|Company logo on reports|Customer satisfaction survey|Net promoter score widget|Burndown chart
Live chat widget|Chatbot for common questions|Knowledge base search|SLA timers on tickets|Escalation rules
Auto-assign tickets round robin|Merge duplicate tickets|Split a ticket in two|Saved views of tickets|Velocity report
Sort tickets by priority|Priority field on tasks|Story points on tasks|Time off calendar|Workload view per person
Resource planning|Timesheet approval|Billable hours report|Expense tracking|Budget per project|Client portal
Guest access to projects|Password-protected share links|Expiring share links|IP allow list|Session timeout settings
Password policy for admins|SCIM user provisioning|Data residency in the EU|GDPR data export|Delete my account
Backup and restore|Version history of documents|Restore deleted items from trash|Undo last action|Print a task list
Full screen mode|Compact list density|Larger font option|High contrast theme|Screen reader support|Firefox extension
Voice input on mobile|Apple Watch app|Widgets for iOS home screen|Tablet layout for Android|Linux desktop app
Windows desktop app|Browser extension for Chrome|Email to task forwarding|Create tasks from Slack messages
Recurring meetings on the calendar|Sync with Google Calendar|Sync with Outlook calendar|Two-way Jira sync`
    .split(/[|\n]/)
    .map((t) => t.trim());

/** A new installation: the first handful of features. */
const NEW_INSTALLATION = [
  'Slack integration',
  'Single sign-on with Okta',
  'Recurring tasks',
  'Keyboard shortcuts',
];

function indexOf(titles: readonly string[]): InMemoryDedupeIndex {
  const index = new InMemoryDedupeIndex();
  for (const title of titles) index.add(title, engine.analyse({ title }));
  return index;
}

async function decide(existing: readonly string[], title: string) {
  const ranked = await engine.rank(engine.analyse({ title }), indexOf(existing), 10);
  return { ranked, decision: engine.decide(ranked) };
}

const SIZES = [
  ['the only feature', []],
  ['a new installation', NEW_INSTALLATION],
  ['a grown backlog', BACKLOG],
] as const;

describe('reworded duplicates sharing their key words', () => {
  it('the backlog is as large as it says, and holds neither example', () => {
    expect(new Set(BACKLOG).size).toBe(150);
    expect(BACKLOG.filter((t) => /dark mode$|reports to/i.test(t))).toEqual([]);
  });

  /** The request lands on one of `features` (merged, or queued for review against it) in every index size. */
  async function joinsOrReviewed(title: string, features: readonly string[]) {
    const confidences: number[] = [];
    for (const [size, others] of SIZES) {
      const { decision } = await decide([...others, ...features], title);
      expect({ size, candidate: decision.candidate?.id }).toEqual({
        size,
        candidate: expect.toBeOneOf([...features]),
      });
      expect({ size, action: decision.action }).not.toEqual({ size, action: 'new' });
      confidences.push(decision.candidate?.confidence ?? 0);
    }
    // How sure the engine is of a duplicate hardly depends on how many unrelated features the index holds.
    const grown = confidences.at(-1) ?? 0;
    for (const c of confidences) expect(Math.abs(c - grown)).toBeLessThanOrEqual(0.1);
  }

  it('"Export reports to CSV" and "Export reports as CSV files": one feature or review, either way round', async () => {
    await joinsOrReviewed('Export reports as CSV files', ['Export reports to CSV']);
    await joinsOrReviewed('Export reports to CSV', ['Export reports as CSV files']);
  });

  it('"Dark mode", "Please add a dark theme", "Night mode for the dashboard": one feature or review', async () => {
    await joinsOrReviewed('Please add a dark theme', ['Dark mode']);
    await joinsOrReviewed('Night mode for the dashboard', ['Dark mode']);
    // As in the sandbox: "Please add a dark theme" went to review, so it is a feature of its own.
    await joinsOrReviewed('Night mode for the dashboard', ['Dark mode', 'Please add a dark theme']);
  });

  it.each([
    ['Export reports to PDF', 'Export reports to CSV', undefined],
    ['Export reports to CSV', 'Export reports to PDF', undefined],
    ['Import reports from CSV', 'Export reports to CSV', 'Import from CSV'],
    ['Dark mode for emails', 'Dark mode for the dashboard', 'Dark mode for emails'],
    ['Light mode', 'Dark mode', undefined],
  ])('"%s" shares words with "%s" but is another need: never auto-merged', async (title, other, own) => {
    for (const [, others] of SIZES) {
      // Without the request's own feature, which the backlog may hold: the nearest one left must not take it.
      const { ranked, decision } = await decide([...others.filter((t) => t !== own), other], title);
      expect(ranked[0]?.id).toBe(other);
      expect(decision.action).not.toBe('merge');
    }
  });

  it('a word no feature uses yet weighs like a rare word, not like every shared word together', async () => {
    // With one feature every shared word is "in every document"; the extra "files" must not decide alone.
    const { ranked } = await decide(['Export reports to CSV'], 'Export reports as CSV files');
    expect(ranked[0]?.evidence.onlyInRequest).toEqual(['file']);
    expect(ranked[0]?.evidence.queryCoverage).toBeGreaterThan(0.6);
  });
});
