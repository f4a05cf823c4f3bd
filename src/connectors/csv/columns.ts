/**
 * Which CSV column feeds which request field: recognised names, export presets and `--map` overrides. Pure.
 */

export const CSV_FIELDS = [
  'title',
  'body',
  'email',
  'name',
  'company',
  'created',
  'url',
  'tags',
  'ref',
  'revenue',
  'mrr',
  'tier',
  'important',
] as const;
export type CsvField = (typeof CSV_FIELDS)[number];

/** `--map col=id` reads better than `ref` for some exports; both mean the row's stable id in its source. */
const FIELD_ALIASES: Record<string, CsvField> = { id: 'ref', details: 'body', description: 'body' };

const REQUIRED_FIELDS: readonly CsvField[] = ['title', 'email'];

/** Case, surrounding space and the separators exports use (`Author Email`, `author_email`, `author.email`) do not matter. */
function normaliseHeader(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[\s_.-]+/g, ' ')
    .trim();
}

/** Column names recognised without `--map` or `--preset`, most specific first within each field. */
const COMMON_NAMES: Record<CsvField, readonly string[]> = {
  title: ['title', 'subject', 'summary'],
  body: ['details', 'description', 'body', 'content'],
  email: [
    'email',
    'author email',
    'requester email',
    'email address',
    'e mail',
    'user email',
    'customer email',
  ],
  name: ['name', 'author name', 'requester name', 'user name', 'customer name', 'full name'],
  company: ['company', 'company name', 'organization', 'organisation', 'account'],
  created: ['created', 'created at', 'date', 'created date', 'created on', 'submitted at'],
  url: ['url', 'link'],
  tags: ['tags', 'labels'],
  ref: ['id', 'ref', 'external id'],
  revenue: ['revenue', 'arr', 'annual revenue'],
  // Monthly figures: the import makes them annual (× 12), as revenue always is (domain/revenue.ts).
  mrr: ['mrr', 'monthly revenue', 'monthly spend'],
  tier: ['tier', 'plan'],
  important: ['important'],
};

export const PRESET_NAMES = ['canny', 'uservoice', 'productboard'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/**
 * Column names of each tool's export, candidates in order (exports changed names over the years). A preset is
 * tried before the common names, which still fill the fields it does not name.
 */
const PRESETS: Record<PresetName, Partial<Record<CsvField, readonly string[]>>> = {
  // Canny post export; names follow Canny's post object (id, title, details, author.name/email, created, url,
  // tags): https://canny.io/docs/api (the UI export was not in our reference material, hence the spaced variants).
  canny: {
    ref: ['post id', 'id'],
    title: ['title', 'post title'],
    body: ['details', 'post details'],
    email: ['author email', 'email'],
    name: ['author name', 'name'],
    company: ['company name', 'author company', 'company'],
    created: ['created at', 'created', 'date'],
    url: ['post url', 'url'],
    tags: ['tags'],
    mrr: ['company monthly spend', 'monthly spend'],
  },
  // UserVoice idea (suggestion) export fields: https://help.uservoice.com/hc/en-us/articles/360035485693
  uservoice: {
    ref: ['suggestion.id'],
    title: ['suggestion.title'],
    body: ['suggestion.body'],
    email: ['user.email_address', 'suggestion.creator.email_address', 'user.email'],
    name: ['user.name', 'suggestion.creator.name'],
    company: ['account.name', 'user.account.name'],
    created: ['suggestion.created_timestamp'],
    url: ['suggestion.portal_url'],
    tags: ['suggestion.labels.name'],
    // account.ltv (lifetime value) is no yearly figure, so it is not read as revenue.
    mrr: ['account.mrr'],
    tier: ['account.plan'],
  },
  // Productboard notes, named after the note fields (title, content, user.email, company, tags, display_url):
  // https://developer.productboard.com/v1.0.0/reference/create_note
  productboard: {
    ref: ['note id', 'id'],
    title: ['note title', 'title'],
    body: ['note text', 'note content', 'content'],
    email: ['user email', 'customer email', 'email'],
    name: ['user name', 'customer name', 'name'],
    company: ['company name', 'company'],
    created: ['created at', 'created'],
    url: ['display url', 'source url', 'url'],
    tags: ['tags'],
  },
};

export type ColumnMap = Partial<Record<CsvField, number>>;

interface ColumnChoice {
  ok: true;
  columns: ColumnMap;
  /** `field ← "Column"` for the summary, in field order. */
  described: string[];
}
type ColumnResult = ColumnChoice | { ok: false; problems: string[] };

/** Parses `--map` arguments (`column=field`; the last `=` splits, so a column name may contain one). */
export function parseMapArgs(args: readonly string[]): {
  map: Array<[string, CsvField]>;
  problems: string[];
} {
  const map: Array<[string, CsvField]> = [];
  const problems: string[] = [];
  for (const arg of args) {
    const at = arg.lastIndexOf('=');
    const column = at > 0 ? arg.slice(0, at).trim() : '';
    const rawField =
      at > 0
        ? arg
            .slice(at + 1)
            .trim()
            .toLowerCase()
        : '';
    const field = FIELD_ALIASES[rawField] ?? (CSV_FIELDS as readonly string[]).find((f) => f === rawField);
    if (!column || !rawField) problems.push(`--map "${arg}": expected COLUMN=FIELD`);
    else if (!field)
      problems.push(`--map "${arg}": unknown field "${rawField}"; fields: ${CSV_FIELDS.join(', ')}`);
    else map.push([column, field as CsvField]);
  }
  return { map, problems };
}

/**
 * Picks a column for each field: `--map` first, then the preset's names, then the common names. Each column
 * feeds at most one field. Fails, naming the columns found, when a required field has no column.
 */
export function resolveColumns(
  header: readonly string[],
  options: { map?: ReadonlyArray<[string, CsvField]>; preset?: PresetName | undefined } = {},
): ColumnResult {
  const normalised = header.map(normaliseHeader);
  const used = new Set<number>();
  const columns: ColumnMap = {};
  const problems: string[] = [];

  for (const [column, field] of options.map ?? []) {
    const index = normalised.indexOf(normaliseHeader(column));
    if (index < 0) {
      problems.push(`--map ${column}=${field}: no column "${column}" in the file`);
      continue;
    }
    columns[field] = index;
    used.add(index);
  }
  const tryNames = (field: CsvField, names: readonly string[] | undefined) => {
    if (columns[field] !== undefined || !names) return;
    for (const name of names) {
      const index = normalised.findIndex((h, i) => h === normaliseHeader(name) && !used.has(i));
      if (index >= 0) {
        columns[field] = index;
        used.add(index);
        return;
      }
    }
  };
  if (options.preset) for (const field of CSV_FIELDS) tryNames(field, PRESETS[options.preset][field]);
  for (const field of CSV_FIELDS) tryNames(field, COMMON_NAMES[field]);

  for (const field of REQUIRED_FIELDS) {
    if (columns[field] !== undefined) continue;
    const looked = [
      ...(options.preset ? (PRESETS[options.preset][field] ?? []) : []),
      ...COMMON_NAMES[field],
    ];
    problems.push(
      `no column for ${field} (looked for: ${[...new Set(looked)].join(', ')}); map one with --map COLUMN=${field}`,
    );
  }
  if (problems.length > 0) {
    const found = header.length > 0 ? header.map((h) => `"${h}"`).join(', ') : '(none)';
    return { ok: false, problems: [...problems, `columns found: ${found}`] };
  }
  const described = CSV_FIELDS.flatMap((f) =>
    columns[f] === undefined ? [] : [`${f} ← "${header[columns[f]] ?? ''}"`],
  );
  return { ok: true, columns, described };
}
