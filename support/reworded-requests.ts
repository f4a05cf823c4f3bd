/**
 * Twenty feature requests written the way customers write them: the same need reworded, misspelt, asked from
 * another angle, and different needs that share words ("export reports" to CSV or to PDF; notifications by Slack
 * or by email). Each carries the need it expresses, so a test or a benchmark can tell a right merge from a wrong
 * one and count issues per distinct need. Shared by the clean-backlog end-to-end test and the tracker benchmark.
 */

export interface RewordedRequest {
  /** The need the request expresses: requests with the same need belong on one feature and one issue. */
  need: string;
  title: string;
  body: string;
}

export const REWORDED_REQUESTS: readonly RewordedRequest[] = [
  {
    need: 'dark-mode',
    title: 'Dark mode',
    body: 'Our team works late and the white background is blinding.',
  },
  {
    need: 'csv-export',
    title: 'Export reports to CSV',
    body: 'Finance needs the monthly numbers in a spreadsheet.',
  },
  {
    need: 'okta-sso',
    title: 'Single sign-on with Okta',
    body: 'Every tool we buy has to log in through Okta.',
  },
  {
    need: 'dark-mode',
    title: 'Please add a dark theme',
    body: 'Would love a dark theme, my eyes hurt at night.',
  },
  {
    need: 'pdf-export',
    title: 'Export reports to PDF',
    body: 'The board wants the quarterly report as a PDF they can print.',
  },
  {
    need: 'csv-export',
    title: 'Export reports as CSV files',
    body: 'We want to download reports as CSV files and open them in Excel.',
  },
  {
    need: 'slack-notifications',
    title: 'Slack notifications for new comments',
    body: 'Post a message in our Slack channel when someone comments.',
  },
  {
    need: 'dark-mode',
    title: 'dark mdoe pls',
    body: 'dark mode please!!',
  },
  {
    need: 'okta-sso',
    title: 'SSO via Okta',
    body: 'Security will not sign off until we can use Okta SSO.',
  },
  {
    need: 'two-factor',
    title: 'Two-factor authentication',
    body: 'We need 2FA on every account before the audit.',
  },
  {
    need: 'email-notifications',
    title: 'Email notifications for new comments',
    body: 'Send me an email when someone comments on my ticket.',
  },
  {
    need: 'csv-export',
    title: 'CSV export for reports',
    body: 'A CSV export of every report would save us hours.',
  },
  {
    need: 'bulk-edit',
    title: 'Bulk edit tickets',
    body: 'Changing 200 tickets one by one takes all afternoon.',
  },
  {
    need: 'dark-mode',
    title: 'Night mode for the dashboard',
    body: 'A dark mode for the dashboard would help in the evening.',
  },
  {
    need: 'slack-notifications',
    title: 'Notify us in Slack about new comments',
    body: 'We live in Slack; a Slack notification per comment would be enough.',
  },
  {
    need: 'two-factor',
    title: 'Two factor authentication (2FA) for logins',
    body: 'Two-factor authentication is a must for our compliance team.',
  },
  {
    need: 'okta-sso',
    title: 'Okta SSO',
    body: 'Okta single sign-on, please.',
  },
  {
    need: 'bulk-edit',
    title: 'Bulk editing of tickets',
    body: 'Let us select many tickets and edit them at once.',
  },
  {
    need: 'pdf-export',
    title: 'PDF export of reports',
    body: 'Exporting a report as a PDF file for customers.',
  },
  {
    need: 'api-limits',
    title: 'Higher API rate limits',
    body: 'Our nightly sync hits the API rate limit after ten minutes.',
  },
];

/** The distinct needs, in the order they first appear. */
export function distinctNeeds(requests: readonly RewordedRequest[] = REWORDED_REQUESTS): string[] {
  return [...new Set(requests.map((r) => r.need))];
}
