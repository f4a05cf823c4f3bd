import { LinearClient } from '@linear/sdk';
import { eq } from 'drizzle-orm';
import { notifications, requesters } from '../../src/store/schema.ts';
import type { StartServiceOptions, TestService } from './service.ts';
import { startService, validRequest, waitFor } from './service.ts';
import { type SmtpTestServer, startSmtpServer } from './smtp.ts';

/**
 * The service in sandbox mode mailing a real SMTP server on loopback (`SMTP_URL` set to it), with a driver for
 * status changes through the Linear emulator; `stop` ends the service, then the SMTP server.
 */
export async function startMailingService(options: StartServiceOptions) {
  const smtp: SmtpTestServer = await startSmtpServer();
  let svc: TestService;
  try {
    svc = await startService({ ...options, env: { SMTP_URL: smtp.url, ...options.env } });
  } catch (err) {
    await smtp.close();
    throw err;
  }
  return {
    smtp,
    svc,
    drive: linearDriver(svc),
    async stop() {
      await svc.stop();
      await smtp.close();
    },
  };
}

/**
 * Driving status changes the way the service gets them in sandbox mode: requests posted to the API, pushed to the
 * Linear emulator, moved there through the real @linear/sdk; the emulator's webhooks bring the change back.
 */
export function linearDriver(svc: TestService) {
  const emulators = svc.emulators();
  const linear = new LinearClient({
    apiKey: emulators.credentials.linear.apiKey,
    apiUrl: emulators.linear.apiUrl,
  });
  const stateId = (type: string) => {
    const state = emulators.linear.state;
    const team = state.findTeam('SBX');
    const id = state.teamStates(team?.id ?? '').find((s) => s.type === type)?.id;
    if (!id) throw new Error(`no ${type} state in the emulator's SBX team`);
    return id;
  };

  return {
    linear,
    /** Posts one request per requester (same title and feature), waits until the feature's issue exists. */
    async featureWith(
      title: string,
      requesters: Array<{ email: string; name?: string; body?: string; source?: string; sourceRef?: string }>,
    ) {
      let featureId: string | undefined;
      const requestIds: string[] = [];
      for (const r of requesters) {
        const res = await svc.post(
          '/v1/requests',
          validRequest({
            title,
            body: r.body ?? `${r.email} needs ${title.toLowerCase()}.`,
            requester: { email: r.email, ...(r.name ? { name: r.name } : {}) },
            ...(r.source ? { source: r.source, sourceRef: r.sourceRef } : {}),
          }),
        );
        if (res.status !== 201 && res.status !== 202 && res.status !== 200) {
          throw new Error(`POST /v1/requests answered ${res.status}: ${await res.text()}`);
        }
        const { id } = (await res.json()) as { id: string };
        requestIds.push(id);
        const joined = await svc.featureOf(id);
        if (featureId && joined !== featureId) throw new Error(`"${title}" requests landed on two features`);
        featureId = joined;
      }
      if (!featureId) throw new Error('no requesters given');
      const fid = featureId;
      const link = await waitFor(`feature ${fid} linked`, async () => {
        const [l] = await svc.runtime.store.links.forFeature(fid);
        return l?.state === 'linked' && l.issueId && !l.dirtySince ? l : undefined;
      });
      return { featureId: fid, issueId: link.issueId ?? '', requestIds };
    },
    /** Moves the Linear issue to the first state of this type (triage, backlog, unstarted, started, completed, canceled). */
    async move(issueId: string, type: string) {
      await linear.updateIssue(issueId, { stateId: stateId(type) });
    },
    statusIs: (featureId: string, status: string) =>
      waitFor(`feature ${featureId} ${status}`, async () => {
        const found = await svc.runtime.store.features.get(featureId);
        return found?.feature.status === status ? found : undefined;
      }),
    /** The feature's outbox rows. */
    rows: (featureId: string) =>
      svc.runtime.store.db.select().from(notifications).where(eq(notifications.featureId, featureId)),
  };
}

/** The requester ids of a feature's requests, by email (read from the database). */
export async function requesterIdOf(svc: TestService, email: string): Promise<string> {
  const [row] = await svc.runtime.store.db
    .select({ id: requesters.id })
    .from(requesters)
    .where(eq(requesters.emailKey, email.toLowerCase()));
  if (!row) throw new Error(`no requester ${email}`);
  return row.id;
}

export type MailingService = Awaited<ReturnType<typeof startMailingService>>;
