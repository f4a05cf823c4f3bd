/** The SMTP server the tests and the chaos suite send status mail to. */
export * from '../../support/smtp-server.ts';
