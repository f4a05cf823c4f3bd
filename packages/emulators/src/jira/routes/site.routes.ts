import { Router } from 'express';
import { SANDBOX_USER } from '../seed.ts';
import { jiraTime, userJson } from '../views.ts';
import type { RouteDeps } from './common.ts';

/** Who the credentials belong to, and what kind of Jira this is. */
export function siteRouter({ state, email }: RouteDeps): Router {
  const router = Router();

  router.get('/rest/api/3/myself', (_req, res) => {
    res.json({
      ...userJson(state, email),
      locale: SANDBOX_USER.locale,
      groups: { size: 1, items: [] },
      applicationRoles: { size: 1, items: [] },
      expand: 'groups,applicationRoles',
    });
  });

  router.get('/rest/api/3/serverInfo', (_req, res) => {
    res.json({
      baseUrl: state.baseUrl,
      displayUrl: state.baseUrl,
      version: '1001.0.0-SNAPSHOT',
      versionNumbers: [1001, 0, 0],
      deploymentType: 'Cloud',
      buildNumber: 100_300,
      buildDate: '2026-11-01T00:00:00.000+0000',
      serverTime: jiraTime(state.now()),
      scmInfo: 'sandbox-emulator',
      serverTitle: 'Jira (Suggested Sync sandbox)',
      defaultLocale: { locale: 'en_US' },
      serverTimeZone: 'Etc/UTC',
    });
  });

  return router;
}
