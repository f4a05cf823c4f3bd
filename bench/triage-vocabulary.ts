/**
 * The words the triage benchmark's synthetic feature requests are made of: product verbs, objects, modifiers,
 * formats, places and roles as they appear in real backlogs, most common first (the generator draws them with a
 * Zipf-like law over this order), and a long tail of made-up product jargon (customer, module and project names)
 * so that the vocabulary, like a real one, runs to thousands of words most of which are rare.
 */

const words = (text: string) => text.trim().split(/\s*\n\s*|\s*,\s*/);

export const VERBS = words(`
  export, import, sync, share, filter, sort, search, schedule, archive, duplicate, edit, rename, tag, assign,
  comment on, attach, upload, download, print, preview, customise, configure, automate, track, merge, group, pin,
  approve, invite, audit, restore, translate, embed, connect, link, copy, move, lock, hide, highlight, compare,
  forecast, summarise, annotate, label, prioritise, estimate, convert, validate, format, resize, crop, reorder,
  subscribe to, follow, reply to, mention, publish, sign, encrypt, back up, migrate, refresh, reset, limit,
  bookmark, clone, favourite, star, snooze, recover, transfer, split, close, reopen, escalate, rate, review,
  forward, watch, broadcast, delegate, batch-edit, anonymise, redact, version, roll back, preview, localise
`);

export const OBJECTS = words(`
  invoices, reports, dashboards, tickets, tasks, projects, comments, attachments, users, teams, notifications,
  emails, messages, contacts, accounts, leads, deals, orders, products, payments, subscriptions, receipts,
  expenses, budgets, timesheets, calendars, events, meetings, reminders, documents, files, folders, images, videos,
  templates, forms, surveys, fields, columns, rows, tables, charts, widgets, filters, views, labels, tags,
  categories, workflows, automations, rules, triggers, integrations, backups, logs, audit logs, api keys, tokens,
  sessions, passwords, profiles, avatars, settings, preferences, themes, search results, bookmarks, playlists,
  checklists, milestones, sprints, roadmaps, epics, issues, bugs, releases, versions, branches, deployments,
  environments, alerts, incidents, metrics, goals, quotes, estimates, proposals, contracts, signatures, vendors,
  suppliers, inventory, shipments, returns, refunds, discounts, coupons, prices, currencies, taxes, locations,
  addresses, routes, drivers, vehicles, bookings, reservations, appointments, patients, students, courses, lessons,
  grades, assignments, classes, members, guests, tenants, workspaces, organisations, departments, employees,
  candidates, interviews, jobs, shifts, holidays, leave requests, approvals, polls, feedback, ratings,
  announcements, newsletters, campaigns, audiences, segments, landing pages, links, qr codes, barcodes, pdfs,
  spreadsheets, timelines, gantt charts, kanban boards, boards, cards, lists, notes, wikis, pages, sections,
  threads, channels, chats, calls, recordings, transcripts, voicemails, text messages, devices, printers, sensors,
  assets, licenses, seats, plans, trials, usage, quotas, storage, domains, certificates, servers, databases,
  queries, scripts, plugins, extensions, add-ons, apps, customers, clients, partners, regions, warehouses,
  purchase orders, credit notes, ledgers, journals, bank feeds, statements, payslips, benefits, goals, reviews,
  stories, subtasks, dependencies, estimates, worklogs, time entries, retainers, drafts, replies, mentions,
  reactions, emojis, stickers, galleries, albums, slides, presentations, whiteboards, diagrams, mind maps,
  spaces, rooms, desks, floors, buildings, tours, listings, auctions, bids, offers, loyalty points, gift cards,
  wishlists, carts, checkouts, shipping labels, tracking numbers, pick lists, purchase requests, expense claims
`);

export const MODIFIERS = words(`
  dark mode, bulk, recurring, custom, scheduled, automatic, shared, private, offline, real-time, weekly, monthly,
  daily, read-only, multi-currency, multi-language, two-factor, advanced, nested, conditional, default, archived,
  pinned, colour-coded, keyboard, drag-and-drop, inline, granular, per-user, team-wide, sortable, printable,
  searchable, customisable, collapsible, favourite, hidden, overdue, unread, draft, duplicate, linked, public,
  guest, anonymous, encrypted, signed, branded, white-label, higher resolution, larger, compact, accessible,
  high-contrast, right-to-left, time zone aware, fiscal-year, quarterly, hourly, instant, batch, smart, suggested,
  ai-generated, templated, versioned, historical, unlimited, temporary, expiring, single sign-on
`);

/** Things a product has or lacks on its own ("Dark mode for the mobile app"). */
export const CAPABILITIES = words(`
  dark mode, offline mode, two-factor login, single sign-on, keyboard shortcuts, push notifications, bulk editing,
  high-contrast mode, right-to-left layout, time zone support, multi-language support, audit logging, data export,
  custom branding, guest access, read receipts, undo, autosave, version history, an activity feed, a calendar view,
  a print view, voice input, screen reader support, biometric login, usage analytics, a public API, webhooks,
  granular permissions, custom domains, saved searches, email digests, SMS reminders, an approval step, e-signatures,
  a recycle bin, data retention settings, IP allow-listing, session timeouts, colour themes, a compact layout
`);

export const FORMATS = words(`
  CSV, PDF, Excel, JSON, XML, Markdown, Google Sheets, ICS, PNG, SVG, Word, ZIP, XLSX, HTML, plain text, Parquet
`);

export const PLACES = words(`
  mobile app, web app, dashboard, iOS app, Android app, desktop app, admin panel, API, browser extension, Slack,
  Microsoft Teams, Outlook, Gmail, Salesforce, HubSpot, Zendesk, Jira, Zapier, QuickBooks, Xero, Stripe, Shopify,
  Google Calendar, Google Drive, Dropbox, OneDrive, GitHub, GitLab, Notion, Trello, Asana, Okta, Azure AD, SAP,
  Workday, Intercom, Mailchimp, Twilio, WhatsApp, Zoom, sidebar, inbox, settings page, reports page, home screen,
  search bar, calendar view, list view, customer portal, partner portal, kiosk, tablet app, smartwatch app, CLI
`);

export const ROLES = words(`
  admins, managers, guests, viewers, editors, team leads, account owners, agents, contractors, customers,
  clients, finance, auditors, external users, new hires, approvers, moderators, billing admins, support agents
`);

export const PERIODS = words(`day, week, month, quarter, year, sprint, shift, morning, pay run, release`);

export const FIRST_NAMES = words(`
  Ada, Ben, Carla, Dev, Elena, Farid, Grace, Hiro, Ines, Jonas, Kemi, Liam, Mara, Nils, Olu, Priya, Quinn, Rosa,
  Sven, Tara, Uma, Victor, Wen, Xavier, Yara, Zoe
`);

export const LAST_NAMES = words(`
  Okafor, Lindqvist, Moreau, Tanaka, Novak, Schmidt, Rossi, Haddad, Kowalski, Nguyen, Silva, Brennan, Osei,
  Fischer, Park, Ivanova, Dubois, Mehta, Costa, Larsen
`);

const SYLLABLES = words(`
  ka, lo, mi, ren, tor, vex, zu, pal, dri, quo, sen, bra, fil, gon, hex, jor, kel, lum, mar, nex, ori, pex, qui,
  ros, sil, tav, ulm, vor, wen, xal, yor, zen, cor, dat, fen, gra, hal, ist, jun, kro
`);

/** Made-up but pronounceable product jargon ("kelvor", "datrenix"): the vocabulary's long tail. */
export function jargon(count: number): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const n = SYLLABLES.length;
  // A fixed walk through syllable pairs and triples: deterministic, no two alike.
  for (let i = 0; out.length < count; i++) {
    const a = SYLLABLES[i % n] ?? '';
    const b = SYLLABLES[Math.floor(i / n) % n] ?? '';
    const c = i >= n * n ? (SYLLABLES[Math.floor(i / (n * n)) % n] ?? '') : '';
    const word = `${a}${b}${c}`;
    if (!seen.has(word)) {
      seen.add(word);
      out.push(word);
    }
  }
  return out;
}

/** Synonyms customers use for each other's words; a reworded duplicate swaps some of them. */
export const REWORDINGS: Record<string, readonly string[]> = {
  export: ['download', 'extract'],
  delete: ['remove', 'erase'],
  archive: ['hide away', 'file away'],
  'dark mode': ['night mode', 'dark theme'],
  emails: ['e-mails', 'mails'],
  invoices: ['bills'],
  'mobile app': ['iOS app', 'phone app'],
  reports: ['report'],
  users: ['user accounts', 'people'],
  'bulk editing': ['batch editing', 'mass editing'],
  'keyboard shortcuts': ['hotkeys', 'shortcut keys'],
  'two-factor login': ['2FA', 'MFA', 'two factor authentication'],
  'single sign-on': ['SSO', 'SAML login'],
  notifications: ['alerts', 'notification'],
  filter: ['narrow down', 'filter by'],
  share: ['send', 'share out'],
  customers: ['clients'],
  dashboard: ['dashboards', 'home page'],
  'Microsoft Teams': ['MS Teams', 'Teams'],
  schedule: ['plan', 'book'],
  tasks: ['to-dos', 'task'],
};
