import { z } from 'zod';
import { emailKey } from '../rules/normalise.ts';

/** `identity:` in the YAML config: free-mail domains beyond the built-in list, and people known by several ids. */

const email = z.email({ error: 'expected an email address' });

const person = z.strictObject({
  /** The canonical address: every address and id listed below resolves to this person's requester. */
  email,
  emails: z.array(email).default([]),
  externalIds: z
    .array(
      z
        .string({ error: 'expected an id such as "zendesk:123" (source:id) or a bare id' })
        .trim()
        .min(1, 'expected an id such as "zendesk:123" (source:id) or a bare id'),
    )
    .default([]),
});

export const identitySchema = z
  .strictObject({
    extraFreeMailDomains: z
      .array(z.string().regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i, 'expected a domain'))
      .default([]),
    people: z
      .array(person)
      .default([])
      .superRefine((people, ctx) => {
        // An address or id listed for two people would make one of them silently win: refuse it.
        const owner = new Map<string, number>();
        const claim = (key: string, index: number, path: (string | number)[], what: string) => {
          const first = owner.get(key);
          if (first !== undefined && first !== index) {
            ctx.addIssue({
              code: 'custom',
              path: [index, ...path],
              message: `${what} is already listed for identity.people[${first}] (${people[first]?.email})`,
            });
          } else owner.set(key, index);
        };
        for (const [i, p] of people.entries()) {
          claim(`email:${emailKey(p.email)}`, i, ['email'], p.email);
          for (const [j, e] of p.emails.entries()) claim(`email:${emailKey(e)}`, i, ['emails', j], e);
          for (const [j, id] of p.externalIds.entries()) claim(`id:${id}`, i, ['externalIds', j], id);
        }
      }),
  })
  .prefault({});
