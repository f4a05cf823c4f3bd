import { z } from 'zod';

/**
 * `console:` in the YAML file: who may sign in to the console and for how long. An entry is an email address
 * (that person) or a domain (every address at exactly that domain); OpenID Connect group names come from the ID
 * token's `groups.claim`. Someone matched as both a member and a viewer is a member.
 */

const ADDRESS = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** An email address or a domain, lowercased (addresses compare case-insensitively). */
const personOrDomain = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ADDRESS.test(v) || DOMAIN.test(v), {
    error: 'expected an email address (ada@acme.io) or a domain meaning all its addresses (acme.io)',
  });

const DURATION_UNIT_SECONDS = { m: 60, h: 3600, d: 86_400 } as const;
/** A duration such as `30m`, `12h` or `7d`: its length in seconds. */
const sessionTtl = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const match = /^\s*(\d{1,6})\s*([mhd])\s*$/.exec(String(value));
  const amount = Number(match?.[1]);
  const unit = match?.[2] as keyof typeof DURATION_UNIT_SECONDS | undefined;
  if (match && unit && amount > 0) return amount * DURATION_UNIT_SECONDS[unit];
  ctx.addIssue({
    code: 'custom',
    message: `expected a duration such as 30m, 12h or 7d (m, h or d); got ${JSON.stringify(value)}`,
  });
  return z.NEVER;
});

export const consoleSchema = z
  .strictObject({
    /** May change things: merge, push, link, erase. */
    members: z.array(personOrDomain).default([]),
    /** May read every page and change nothing. */
    viewers: z.array(personOrDomain).default([]),
    groups: z
      .strictObject({
        /** The ID token claim that lists the person's groups. */
        claim: z.string().trim().min(1).default('groups'),
        members: z.array(z.string().min(1)).default([]),
        viewers: z.array(z.string().min(1)).default([]),
      })
      .prefault({}),
    /** How long a session lasts after sign-in, as seconds once parsed. */
    sessionTtl: sessionTtl.prefault('12h'),
  })
  .prefault({});

export type ConsoleFileConfig = z.infer<typeof consoleSchema>;
