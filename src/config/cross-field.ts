/**
 * Rules between variables, judged on which are present (not on whether each is valid) so that they are listed
 * together with every per-variable problem.
 */
export function crossFieldProblems(
  env: Record<string, string | undefined>,
  /** From the YAML file: with `notifications.enabled: false` no mail is sent, so production needs no SMTP_URL. */
  { notificationsEnabled = true }: { notificationsEnabled?: boolean } = {},
): string[] {
  const has = (name: string) => (env[name]?.trim() ?? '') !== '';
  const problems: string[] = [];
  const jira = ['JIRA_HOST', 'JIRA_EMAIL', 'JIRA_API_TOKEN'];
  const jiraSet = jira.filter(has);
  if (jiraSet.length > 0 && jiraSet.length < jira.length) {
    for (const name of jira.filter((n) => !has(n))) {
      problems.push(`${name}: required when any of JIRA_HOST, JIRA_EMAIL, JIRA_API_TOKEN is set`);
    }
  }
  const oidc = ['OIDC_ISSUER', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET'];
  const oidcMissing = oidc.filter((n) => !has(n));
  if (oidcMissing.length > 0 && oidcMissing.length < oidc.length)
    problems.push(
      `${oidcMissing.join(', ')}: required with ${oidc.filter(has).join(', ')} (console sign-in needs all three or none)`,
    );
  if (has('LINEAR_API_URL') && !has('LINEAR_API_KEY'))
    problems.push('LINEAR_API_KEY: required when LINEAR_API_URL is set');
  if (env['NODE_ENV']?.trim() === 'production') {
    if (!has('API_KEYS')) problems.push('API_KEYS: required in production (comma-separated keys)');
    if (!has('ADMIN_TOKEN')) problems.push('ADMIN_TOKEN: required in production');
    if (!has('PUBLIC_URL'))
      problems.push('PUBLIC_URL: required in production (links in emails and tracker issues)');
    // The console's session would be signed in over a connection anyone on the path could alter.
    if (env['OIDC_ISSUER']?.trim().startsWith('http:'))
      problems.push('OIDC_ISSUER: expected an https:// URL in production');
    if (!has('SMTP_URL') && notificationsEnabled)
      problems.push(
        'SMTP_URL: required in production while notifications are enabled (the dev outbox is disabled there)',
      );
  }
  if (has('SMTP_URL') && !has('MAIL_FROM')) problems.push('MAIL_FROM: required when SMTP_URL is set');
  return problems;
}
