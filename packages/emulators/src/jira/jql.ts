import {
  DATE_FORMATS,
  FIELDS,
  type JqlField,
  type JqlOperator,
  OPERATORS,
  parseJqlDate,
  UNSUPPORTED,
} from './jql-fields.ts';
import { JqlError, type Token, tokenize } from './jql-lexer.ts';

/**
 * The part of JQL the emulator understands (https://support.atlassian.com/jira-software-cloud/docs/jql-fields/):
 * fields project, key/issuekey, id, labels, status, statusCategory, issuetype/type, resolution, updated, created;
 * operators = != > >= < <= IN, NOT IN, IS [NOT] EMPTY; AND, OR, NOT, parentheses; ORDER BY updated, created, key, id.
 * Anything else fails with the 400 message Jira gives, so a query the emulator cannot answer is never silently wrong.
 * Pure: the caller passes `now` (relative dates), the user's time zone (date literals) and, to validate values, a
 * vocabulary of the site.
 */

export type { JqlField, JqlOperator } from './jql-fields.ts';
export { parseJqlDate } from './jql-fields.ts';
export { JqlError } from './jql-lexer.ts';

/** A value as written (strings), or a resolved instant for date fields; null is EMPTY. */
export type JqlValue = string | number | null;

export type JqlClause =
  | { kind: 'term'; field: JqlField; operator: JqlOperator; values: JqlValue[] }
  | { kind: 'and' | 'or'; clauses: JqlClause[] }
  | { kind: 'not'; clause: JqlClause };

export type JqlSortField = 'updated' | 'created' | 'key' | 'id';

export interface JqlQuery {
  where: JqlClause | undefined;
  orderBy: Array<{ field: JqlSortField; direction: 'asc' | 'desc' }>;
}

/** What the matcher reads of an issue. */
export interface JqlIssue {
  id: string;
  key: string;
  project: { id: string; key: string; name: string };
  labels: readonly string[];
  status: { id: string; name: string };
  statusCategory: { id: number; key: string; name: string };
  issuetype: { id: string; name: string };
  resolution: { id: string; name: string } | null;
  created: number;
  updated: number;
}

class Parser {
  private i = 0;
  private readonly tokens: Token[];
  private readonly now: number;
  private readonly timeZone: string;
  constructor(text: string, now: number, timeZone: string) {
    this.tokens = tokenize(text);
    this.now = now;
    this.timeZone = timeZone;
  }

  private peek(): Token {
    return this.tokens[this.i] ?? { kind: 'end', text: '', at: 0 };
  }
  private next(): Token {
    const token = this.peek();
    if (token.kind !== 'end') this.i++;
    return token;
  }
  private isWord(word: string, token = this.peek()): boolean {
    return token.kind === 'word' && token.text.toLowerCase() === word;
  }
  private fail(detail: string, token: Token): never {
    throw new JqlError(`Error in the JQL Query: ${detail} (line 1, character ${token.at})`);
  }
  private got(token: Token): string {
    return token.kind === 'end' ? 'the end of the query' : `'${token.text}'`;
  }

  parse(): JqlQuery {
    let where: JqlClause | undefined;
    if (this.peek().kind !== 'end' && !this.isWord('order')) where = this.or();
    const orderBy = this.isWord('order') ? this.orderBy() : [];
    const rest = this.peek();
    if (rest.kind !== 'end') this.fail(`Expecting either 'OR' or 'AND' but got ${this.got(rest)}.`, rest);
    return { where, orderBy };
  }

  private or(): JqlClause {
    const clauses = [this.and()];
    while (this.isWord('or')) {
      this.next();
      clauses.push(this.and());
    }
    return clauses.length === 1 && clauses[0] ? clauses[0] : { kind: 'or', clauses };
  }

  private and(): JqlClause {
    const clauses = [this.unary()];
    while (this.isWord('and')) {
      this.next();
      clauses.push(this.unary());
    }
    return clauses.length === 1 && clauses[0] ? clauses[0] : { kind: 'and', clauses };
  }

  private unary(): JqlClause {
    const token = this.peek();
    if (this.isWord('not')) {
      this.next();
      return { kind: 'not', clause: this.unary() };
    }
    if (token.kind === '(') {
      this.next();
      const inner = this.or();
      const close = this.next();
      if (close.kind !== ')') this.fail(`Expecting ')' but got ${this.got(close)}.`, close);
      return inner;
    }
    return this.term();
  }

  private term(): JqlClause {
    const name = this.next();
    if (name.kind !== 'word' && name.kind !== 'string')
      this.fail(`Expecting a field name but got ${this.got(name)}.`, name);
    const lower = name.text.toLowerCase();
    const field = FIELDS[lower];
    if (!field && (UNSUPPORTED.has(lower) || lower.startsWith('issue.property') || lower.startsWith('cf['))) {
      throw new JqlError(`The Jira emulator does not support searching on the field '${name.text}'.`);
    }
    if (!field)
      throw new JqlError(`Field '${name.text}' does not exist or you do not have permission to view it.`);
    const opToken = this.peek();
    const operator = this.operator();
    if (!OPERATORS[field].includes(operator)) {
      throw new JqlError(
        `The operator '${operator.toUpperCase()}' is not supported by the '${name.text}' field.`,
      );
    }
    if (operator === 'is' || operator === 'is not') {
      const value = this.next();
      if (!this.isWord('empty', value) && !this.isWord('null', value)) {
        this.fail(
          `Expecting 'EMPTY' or 'NULL' after '${operator.toUpperCase()}' but got ${this.got(value)}.`,
          value,
        );
      }
      return { kind: 'term', field, operator, values: [null] };
    }
    const raw = operator === 'in' || operator === 'not in' ? this.list() : [this.value()];
    if (raw.length === 0) this.fail('Expecting a value in the list.', opToken);
    const values = raw.map((token) => this.resolve(field, name.text, token));
    return { kind: 'term', field, operator, values };
  }

  private operator(): JqlOperator {
    const token = this.next();
    if (token.kind === 'op' && token.text !== '~' && token.text !== '!~') return token.text as JqlOperator;
    if (token.kind === 'op')
      throw new JqlError(`The operator '${token.text}' is not supported by the emulator.`);
    if (this.isWord('in', token)) return 'in';
    if (this.isWord('not', token) && this.isWord('in')) {
      this.next();
      return 'not in';
    }
    if (this.isWord('is', token)) {
      if (this.isWord('not')) {
        this.next();
        return 'is not';
      }
      return 'is';
    }
    return this.fail(
      `Expecting operator but got ${this.got(token)}. The valid operators are '=', '!=', '<', '>', '<=', '>=', '~', '!~', 'IN', 'NOT IN', 'IS' and 'IS NOT'.`,
      token,
    );
  }

  private value(): Token {
    const token = this.next();
    if (token.kind !== 'word' && token.kind !== 'string') {
      this.fail(`Expecting either a value, list or function but got ${this.got(token)}.`, token);
    }
    if (token.kind === 'word' && this.peek().kind === '(') {
      throw new JqlError(`The JQL function '${token.text}()' is not supported by the emulator.`);
    }
    return token;
  }

  private list(): Token[] {
    const open = this.next();
    if (open.kind !== '(') this.fail(`Expecting '(' but got ${this.got(open)}.`, open);
    const values: Token[] = [];
    if (this.peek().kind === ')') {
      this.next();
      return values;
    }
    for (;;) {
      values.push(this.value());
      const sep = this.next();
      if (sep.kind === ')') return values;
      if (sep.kind !== ',') this.fail(`Expecting ',' or ')' but got ${this.got(sep)}.`, sep);
    }
  }

  private resolve(field: JqlField, fieldName: string, token: Token): JqlValue {
    if (token.kind === 'word' && (this.isWord('empty', token) || this.isWord('null', token))) return null;
    if (field !== 'updated' && field !== 'created') return token.text;
    const instant = parseJqlDate(token.text, this.now, this.timeZone);
    if (instant === undefined) {
      throw new JqlError(`Date value '${token.text}' for field '${fieldName}' is invalid. ${DATE_FORMATS}`);
    }
    return instant;
  }

  private orderBy(): JqlQuery['orderBy'] {
    this.next();
    const by = this.next();
    if (!this.isWord('by', by)) this.fail(`Expecting 'by' but got ${this.got(by)}.`, by);
    const sorts: JqlQuery['orderBy'] = [];
    for (;;) {
      const name = this.next();
      if (name.kind !== 'word' && name.kind !== 'string')
        this.fail(`Expecting a field name but got ${this.got(name)}.`, name);
      const field = FIELDS[name.text.toLowerCase()];
      if (field !== 'updated' && field !== 'created' && field !== 'key' && field !== 'id') {
        throw new JqlError(
          field
            ? `Not able to sort using field '${name.text}'.`
            : `Field '${name.text}' does not exist or you do not have permission to view it.`,
        );
      }
      let direction: 'asc' | 'desc' = 'asc';
      if (this.isWord('asc') || this.isWord('desc'))
        direction = this.next().text.toLowerCase() as 'asc' | 'desc';
      sorts.push({ field, direction });
      if (this.peek().kind !== ',') return sorts;
      this.next();
    }
  }
}

/**
 * Parses a query; throws JqlError with Jira's message when it is not valid (or not supported). Date literals are
 * read in `timeZone`, the searching user's profile zone, as Jira reads them.
 */
export function parseJql(text: string, now: number, timeZone: string): JqlQuery {
  return new Parser(text, now, timeZone).parse();
}

export * from './jql-match.ts';
