/** What this connector relies on about IMAP and SMTP servers, in one place. */
export const emailInboxSpec = {
  /** 993 with implicit TLS (143 without, STARTTLS when the server offers it). */
  port: 993,
  mailbox: 'INBOX',
  /** Messages fetched per page by default; the cursor is stored after each page. */
  pageSize: 50,
  /** Connection and greeting timeout (the socket's is twice this). */
  timeoutMs: 30_000,
  /** An IMAP server throttling us without saying for how long (imapflow's `throttleReset`) is left this long. */
  throttleWaitMs: 60_000,
} as const;
