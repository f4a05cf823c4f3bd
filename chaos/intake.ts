import { setTimeout as sleep } from 'node:timers/promises';
import { createRandom, drawNeed, needKey, title } from '../bench/triage-corpus.ts';

/**
 * The suite's intake: `count` requests posted at a steady rate over `seconds`, from a seeded generator. Requests
 * ask for about a quarter as many needs (same title, so triage joins them into one feature and features gather
 * several requesters), each from its own requester with an email at one of a few company domains; one in twenty
 * is an exact repeat of an earlier one (same source + sourceRef: the API answers with the same request). Half the
 * needs are tagged `jira`, which the suite's routing sends to Jira; the rest go to Linear.
 */

const COMPANIES = [
  { name: 'Acme Corp', domain: 'acme-chaos.example', revenue: 1_200_000, tier: 'enterprise' },
  { name: 'Globex', domain: 'globex-chaos.example', revenue: 450_000, tier: 'enterprise' },
  { name: 'Initech', domain: 'initech-chaos.example', revenue: 90_000, tier: 'growth' },
  { name: 'Hooli', domain: 'hooli-chaos.example', revenue: 8_000, tier: 'starter' },
] as const;

interface IntakeRequest {
  body: Record<string, unknown>;
  /** Set when this is a repeat of an earlier request (the same body, sent again). */
  repeatOf?: number;
}

export function planIntake(seed: number, count: number): IntakeRequest[] {
  const random = createRandom(seed);
  const needs = new Map<string, string>();
  const wanted = Math.max(2, Math.ceil(count / 4));
  for (let tries = 0; needs.size < wanted && tries < wanted * 50; tries++) {
    const need = drawNeed(random);
    needs.set(needKey(need), title(need, 0));
  }
  const titles = [...needs.values()];
  const plan: IntakeRequest[] = [];
  for (let n = 0; n < count; n++) {
    if (n > 0 && random.chance(0.05)) {
      const repeatOf = random.int(0, n - 1);
      const original = plan[repeatOf] as IntakeRequest;
      plan.push({ body: original.body, repeatOf: original.repeatOf ?? repeatOf });
      continue;
    }
    const need = random.int(0, titles.length - 1);
    const company = random.pick(COMPANIES);
    plan.push({
      body: {
        title: titles[need],
        body: `Asked on a call (chaos request ${n}).`,
        requester: {
          email: `requester-${n}@${company.domain}`,
          name: `Requester ${n}`,
          company: { name: company.name, revenue: company.revenue, tier: company.tier },
        },
        source: 'chaos',
        sourceRef: `chaos-${seed}-${n}`,
        tags: need % 2 === 0 ? ['jira'] : [],
      },
    });
  }
  return plan;
}

export interface IntakeResult {
  sent: number;
  /** Distinct request ids the API answered 202 with. */
  accepted: Set<string>;
  /** Requests that got no 202 after their retries, with the last answer. */
  refused: string[];
  /** Attempts answered with something other than 202 (then retried): what faults cost a client. */
  retries: number;
}

/**
 * Posts `plan` at a steady rate (request n at `n * seconds / plan.length`), not waiting for earlier answers, as
 * independent clients would. A client retries a request that got no 202 (5xx, 429, no answer) with the same body,
 * which the API recognises by source + sourceRef, for at most `retryForMs`.
 */
export async function runIntake({
  apiUrl,
  apiKey,
  plan,
  seconds,
  retryForMs = 30_000,
}: {
  apiUrl: string;
  apiKey: string;
  plan: readonly IntakeRequest[];
  seconds: number;
  retryForMs?: number;
}): Promise<IntakeResult> {
  const result: IntakeResult = { sent: 0, accepted: new Set(), refused: [], retries: 0 };
  const post = async (body: Record<string, unknown>, n: number) => {
    const deadline = Date.now() + retryForMs;
    let last = '';
    for (let delay = 250; ; delay = Math.min(delay * 2, 4_000)) {
      try {
        const res = await fetch(`${apiUrl}/v1/requests`, {
          method: 'POST',
          headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(10_000),
        });
        const text = await res.text();
        if (res.status === 202) {
          result.accepted.add((JSON.parse(text) as { id: string }).id);
          return;
        }
        last = `${res.status} ${text.slice(0, 200)}`;
        // A 4xx other than 429 is the suite's own mistake: retrying would not help.
        if (res.status < 500 && res.status !== 429) break;
      } catch (err) {
        last = (err as Error).message;
      }
      if (Date.now() + delay > deadline) break;
      result.retries++;
      await sleep(delay);
    }
    result.refused.push(`request ${n}: ${last}`);
  };
  const start = Date.now();
  const inFlight: Promise<void>[] = [];
  for (const [n, request] of plan.entries()) {
    const due = start + (n * seconds * 1000) / plan.length;
    if (due > Date.now()) await sleep(due - Date.now());
    result.sent++;
    inFlight.push(post(request.body, n));
  }
  await Promise.all(inFlight);
  return result;
}
