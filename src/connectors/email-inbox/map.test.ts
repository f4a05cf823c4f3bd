import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import type { SourceThread } from '../intake-source.ts';
import { mailToItem } from './map.ts';
import { buildReply, parseInboxCursor, replySubject } from './source.ts';

const AT = { uidValidity: '77', uid: 9, internalDate: new Date('2025-06-03T10:00:00Z') };

function raw(headers: Record<string, string>, body = 'Please add dark mode.'): string {
  const all = {
    From: 'Ada <ada@acme.example>',
    Subject: 'Dark mode',
    'Message-ID': '<a1@acme.example>',
    ...headers,
  };
  return `${Object.entries(all)
    .filter(([, v]) => v !== '')
    .map(([k, v]) => `${k}: ${v}`)
    .join('\r\n')}\r\n\r\n${body}\r\n`;
}

describe('mailToItem', () => {
  it('maps subject, cleaned text, sender and thread', async () => {
    const mail = await simpleParser(
      raw(
        { Subject: 'RE: Fwd: Dark mode', References: '<r0@x>', 'Reply-To': 'team@acme.example' },
        'Please add dark mode.\r\n\r\nBest regards,\r\nAda\r\n\r\nOn Mon, Jun 2, 2025, Bob <b@x> wrote:\r\n> old',
      ),
    );
    expect(mailToItem(mail, AT)).toEqual({
      kind: 'item',
      item: {
        ref: '<a1@acme.example>',
        title: 'Dark mode',
        body: 'Please add dark mode.',
        requester: { email: 'ada@acme.example', name: 'Ada' },
        receivedAt: '2025-06-03T10:00:00.000Z',
        thread: {
          messageId: '<a1@acme.example>',
          references: ['<r0@x>'],
          subject: 'RE: Fwd: Dark mode',
          replyTo: 'team@acme.example',
        },
      },
    });
  });

  it.each([
    ['Auto-Submitted: auto-replied', { 'Auto-Submitted': 'auto-replied' }, 'Auto-Submitted'],
    [
      'Auto-Submitted: auto-generated; with params',
      { 'Auto-Submitted': 'auto-generated; foo=bar' },
      'Auto-Submitted',
    ],
    ['Precedence: list', { Precedence: 'list' }, 'Precedence'],
    ['Precedence: junk', { Precedence: 'junk' }, 'Precedence'],
    ['X-Autoreply', { 'X-Autoreply': 'yes' }, 'x-autoreply'],
    ['List-Id', { 'List-Id': '<l.example>' }, 'list-id'],
    ['List-Unsubscribe', { 'List-Unsubscribe': '<https://u.example>' }, 'list-unsubscribe'],
    ['a mailer-daemon sender', { From: 'Mail Delivery System <MAILER-DAEMON@mx.example>' }, 'mail daemon'],
    ['a postmaster sender', { From: 'postmaster@mx.example' }, 'mail daemon'],
    ['a null Return-Path', { 'Return-Path': '<>' }, 'null Return-Path'],
  ])('skips %s', async (_name, headers, reason) => {
    expect(mailToItem(await simpleParser(raw(headers)), AT)).toMatchObject({
      kind: 'skipped',
      reason: expect.stringContaining(reason),
    });
  });

  it.each([
    ['Auto-Submitted: no', { 'Auto-Submitted': 'no' }],
    ['Precedence: normal', { Precedence: 'normal' }],
  ])('keeps %s', async (_name, headers) => {
    expect(mailToItem(await simpleParser(raw(headers)), AT)).toMatchObject({ kind: 'item' });
  });

  it.each([
    ['no From', { From: '' }, 'no sender address'],
    ['a From without an address', { From: 'Just A Name' }, 'no sender address'],
    ['an invalid From', { From: 'x <not-an-address>' }, 'not a valid email'],
  ])('rejects %s', async (_name, headers, reason) => {
    expect(mailToItem(await simpleParser(raw(headers)), AT)).toMatchObject({
      kind: 'rejected',
      reason: expect.stringContaining(reason),
    });
  });

  it('rejects a message with neither subject nor text, naming its position when it has no Message-ID', async () => {
    const mail = await simpleParser(raw({ Subject: '', 'Message-ID': '' }, ''));
    expect(mailToItem(mail, AT)).toEqual({ kind: 'rejected', ref: '77:9', reason: 'no subject and no text' });
  });

  it('titles a subject-less message with its first line', async () => {
    const mail = await simpleParser(raw({ Subject: '' }, '\r\nOffline mode please.\r\nDetails follow.'));
    expect(mailToItem(mail, AT)).toMatchObject({ item: { title: 'Offline mode please.' } });
  });
});

describe('cursor and reply', () => {
  it.each([
    [null, undefined],
    ['77:12', { uidValidity: '77', lastUid: 12 }],
    ['garbage', undefined],
    ['77:', undefined],
  ])('parseInboxCursor(%s)', (cursor, expected) => {
    expect(parseInboxCursor(cursor)).toEqual(expected);
  });

  it.each([
    ['Dark mode', 'Re: Dark mode'],
    ['Re: Dark mode', 'Re: Dark mode'],
    ['RE:Dark mode', 'RE:Dark mode'],
  ])('replySubject(%s)', (subject, expected) => {
    expect(replySubject(subject)).toBe(expected);
  });

  const thread = (t: Record<string, unknown> | null): SourceThread => ({
    sourceRef: 'x',
    sourceThread: t,
    url: null,
  });
  it('threads the reply under the original message', () => {
    const out = buildReply(
      thread({
        messageId: '<a@x>',
        references: ['<r1@x>', '<a@x>'],
        subject: 'Dark mode',
        replyTo: 'ada@acme.example',
      }),
      { text: 'Planned.', messageId: 'n1@suggested.example' },
      'support@example.test',
    );
    expect(out).toEqual({
      from: 'support@example.test',
      to: 'ada@acme.example',
      subject: 'Re: Dark mode',
      text: 'Planned.',
      inReplyTo: '<a@x>',
      references: ['<r1@x>', '<a@x>'],
      messageId: '<n1@suggested.example>',
    });
  });

  it('has no one to answer without a stored address', () => {
    expect(buildReply(thread(null), { text: 't', messageId: 'm' }, 'f@x')).toEqual({
      reason: 'the request has no address to reply to',
    });
  });
});
