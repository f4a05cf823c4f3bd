import type { JqlClause, JqlField, JqlIssue, JqlQuery, JqlValue } from './jql.ts';

/** The identifiers an issue answers to for a field, lower-cased: a status by id or name, a project by id, key or name. */
function names(field: JqlField, issue: JqlIssue): string[] {
  switch (field) {
    case 'project':
      return [issue.project.id, issue.project.key, issue.project.name];
    case 'key':
      return [issue.key];
    case 'id':
      return [issue.id];
    case 'labels':
      return [...issue.labels];
    case 'status':
      return [issue.status.id, issue.status.name];
    case 'statusCategory':
      return [String(issue.statusCategory.id), issue.statusCategory.key, issue.statusCategory.name];
    case 'issuetype':
      return [issue.issuetype.id, issue.issuetype.name];
    case 'resolution':
      return issue.resolution ? [issue.resolution.id, issue.resolution.name] : [];
    case 'updated':
    case 'created':
      return [];
  }
}

function isEmpty(field: JqlField, issue: JqlIssue): boolean {
  if (field === 'labels') return issue.labels.length === 0;
  if (field === 'resolution') return issue.resolution === null;
  return false;
}

function equals(field: JqlField, issue: JqlIssue, value: JqlValue): boolean {
  if (value === null) return isEmpty(field, issue);
  const wanted = String(value).toLowerCase();
  // "resolution = Unresolved" is how JQL asks for issues without a resolution.
  if (field === 'resolution' && wanted === 'unresolved') return issue.resolution === null;
  return names(field, issue).some((n) => n.toLowerCase() === wanted);
}

function compareDate(actual: number, operator: string, wanted: number): boolean {
  switch (operator) {
    case '=':
      return actual === wanted;
    case '!=':
      return actual !== wanted;
    case '>':
      return actual > wanted;
    case '>=':
      return actual >= wanted;
    case '<':
      return actual < wanted;
    default:
      return actual <= wanted;
  }
}

/**
 * Whether the issue satisfies the clause. As in Jira, `!=` and `NOT IN` never match an issue whose field is empty
 * (`labels != x` skips unlabelled issues); use `IS EMPTY` for those.
 */
export function matchesJql(clause: JqlClause | undefined, issue: JqlIssue): boolean {
  if (!clause) return true;
  switch (clause.kind) {
    case 'and':
      return clause.clauses.every((c) => matchesJql(c, issue));
    case 'or':
      return clause.clauses.some((c) => matchesJql(c, issue));
    case 'not':
      return !matchesJql(clause.clause, issue);
    case 'term': {
      const { field, operator, values } = clause;
      if (field === 'updated' || field === 'created') {
        return compareDate(issue[field], operator, Number(values[0]));
      }
      const any = values.some((v) => equals(field, issue, v));
      switch (operator) {
        case '=':
        case 'in':
        case 'is':
          return any;
        case 'is not':
          return !any;
        default:
          return !any && !isEmpty(field, issue);
      }
    }
  }
}

/** What the site knows, to reject values Jira would reject ("The value 'X' does not exist for the field 'status'."). */
export interface JqlVocabulary {
  knows(field: 'project' | 'status' | 'statusCategory' | 'issuetype' | 'resolution', value: string): boolean;
  issueExists(key: string): boolean;
}

const ISSUE_KEY = /^[A-Z][A-Z0-9_]*-\d+$/i;

/** The error messages Jira would answer for values the site does not have; empty when the query is fine. */
export function jqlValueErrors(query: JqlQuery, vocabulary: JqlVocabulary): string[] {
  const errors: string[] = [];
  const visit = (clause: JqlClause | undefined): void => {
    if (!clause) return;
    if (clause.kind === 'not') {
      visit(clause.clause);
      return;
    }
    if (clause.kind !== 'term') {
      for (const inner of clause.clauses) visit(inner);
      return;
    }
    for (const value of clause.values) {
      if (value === null) continue;
      const text = String(value);
      switch (clause.field) {
        case 'key':
          if (!ISSUE_KEY.test(text)) errors.push(`The issue key '${text}' for field 'key' is invalid.`);
          else if (!vocabulary.issueExists(text))
            errors.push(`An issue with key '${text}' does not exist for field 'key'.`);
          break;
        case 'id':
          if (!/^\d+$/.test(text)) errors.push(`The issue key '${text}' for field 'id' is invalid.`);
          break;
        case 'resolution':
          if (text.toLowerCase() !== 'unresolved' && !vocabulary.knows('resolution', text))
            errors.push(`The value '${text}' does not exist for the field 'resolution'.`);
          break;
        case 'project':
        case 'status':
        case 'statusCategory':
        case 'issuetype':
          if (!vocabulary.knows(clause.field, text))
            errors.push(`The value '${text}' does not exist for the field '${clause.field}'.`);
          break;
        default:
          break;
      }
    }
  };
  visit(query.where);
  return errors;
}

function keyOrder(a: JqlIssue, b: JqlIssue): number {
  if (a.project.key !== b.project.key) return a.project.key < b.project.key ? -1 : 1;
  return Number(a.key.split('-').pop()) - Number(b.key.split('-').pop());
}

/** Sorts by the ORDER BY clause; without one, newest first (created DESC). Ties fall back to the id. */
export function compareByJql(orderBy: JqlQuery['orderBy']): (a: JqlIssue, b: JqlIssue) => number {
  const sorts = orderBy.length > 0 ? orderBy : [{ field: 'created', direction: 'desc' } as const];
  const tie = sorts[sorts.length - 1]?.direction === 'desc' ? -1 : 1;
  return (a, b) => {
    for (const { field, direction } of sorts) {
      let diff: number;
      if (field === 'key') diff = keyOrder(a, b);
      else if (field === 'id') diff = Number(a.id) - Number(b.id);
      else diff = a[field] - b[field];
      if (diff !== 0) return direction === 'asc' ? diff : -diff;
    }
    return tie * (Number(a.id) - Number(b.id));
  };
}

/** True when the query has a search restriction: Jira refuses unbounded queries on /search/jql. */
export function isBounded(query: JqlQuery): boolean {
  return query.where !== undefined;
}
