import { type AdfDoc, adfProblem, textToAdf } from '../adf.ts';
import { fieldErrors } from '../errors.ts';
import { applyLabelOps, type IssueChange, type NewIssue } from '../operations.ts';
import type { IssueRecord, JiraState } from '../state.ts';
import { isRecord, NOT_ADF, reference } from './common.ts';

/**
 * Reads create and edit bodies the way Jira validates them: every problem is collected into `errors` keyed by field
 * (`{"errorMessages":[],"errors":{"summary":"You must specify a summary of the issue."}}`), nothing is applied unless
 * the whole body is valid. v3 takes rich text as ADF, v2 (what jira.js uses for string descriptions) as a string.
 */

type Errors = Record<string, string>;

const notSettable = (field: string) =>
  `Field '${field}' cannot be set. It is not on the appropriate screen, or unknown.`;

function readDescription(value: unknown, v: 2 | 3, errors: Errors): AdfDoc | null | undefined {
  if (value === undefined || value === null) return value === null ? null : undefined;
  if (v === 2) {
    if (typeof value === 'string') return value === '' ? null : textToAdf(value);
    errors['description'] = 'Operation value must be a string';
    return undefined;
  }
  if (adfProblem(value) !== undefined) {
    errors['description'] = NOT_ADF;
    return undefined;
  }
  return value as AdfDoc;
}

function readSummary(value: unknown, errors: Errors): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') {
    errors['summary'] = 'You must specify a summary of the issue.';
    return undefined;
  }
  // Counted in UTF-16 units, as Jira's Java does.
  if (value.length > 255) {
    errors['summary'] = 'Summary must be less than 255 characters.';
    return undefined;
  }
  // Jira keeps a summary on one line; one holding a line break is refused whole.
  if (/[\r\n]/.test(value)) {
    errors['summary'] = 'The summary is invalid because it contains newline characters.';
    return undefined;
  }
  return value;
}

function readLabels(value: unknown, errors: Errors): string[] | undefined {
  if (!Array.isArray(value) || value.some((l) => typeof l !== 'string')) {
    errors['labels'] = 'Specify the value for labels in an array of strings.';
    return undefined;
  }
  const spaced = value.find((l: string) => /\s/.test(l) || l === '');
  if (spaced !== undefined) {
    errors['labels'] = `The label '${spaced}' contains spaces which is invalid.`;
    return undefined;
  }
  return value as string[];
}

function readProperties(value: unknown, errors: Errors): Array<{ key: string; value: unknown }> {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((p) => !isRecord(p) || typeof p['key'] !== 'string')) {
    errors['properties'] = 'Properties must be an array of {key, value}.';
    return [];
  }
  return value.map((p: Record<string, unknown>) => ({ key: String(p['key']), value: p['value'] }));
}

export function readCreate(state: JiraState, body: unknown, v: 2 | 3): NewIssue {
  const root = isRecord(body) ? body : {};
  const fields = isRecord(root['fields']) ? root['fields'] : {};
  const update = isRecord(root['update']) ? root['update'] : {};
  const errors: Errors = {};
  const projectRef = reference(fields['project']);
  const project = projectRef && state.findProject(projectRef);
  if (!project) errors['project'] = 'Specify a valid project ID or key';
  const typeRef = reference(fields['issuetype']);
  const issueType = typeRef && state.findIssueType(typeRef);
  if (!issueType)
    errors['issuetype'] = typeRef ? 'The issue type selected is invalid.' : 'Specify an issue type';
  const summary = readSummary(fields['summary'], errors);
  const description = readDescription(fields['description'], v, errors) ?? null;
  let labels = fields['labels'] === undefined ? [] : (readLabels(fields['labels'], errors) ?? []);
  const custom: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (name.startsWith('customfield_')) custom[name] = value;
    else if (!['project', 'issuetype', 'summary', 'description', 'labels'].includes(name))
      errors[name] = notSettable(name);
  }
  for (const [name, ops] of Object.entries(update)) {
    if (name === 'labels' && Array.isArray(ops)) labels = applyLabelOps(labels, ops.filter(isRecord));
    else errors[name] = notSettable(name);
  }
  const properties = readProperties(root['properties'], errors);
  if (Object.keys(errors).length > 0 || !project || !issueType || summary === undefined)
    throw fieldErrors(errors);
  return { project, issueType, summary, description, labels, custom, properties };
}

/** `fields` (values to set) and `update` (operations: labels add/remove/set, summary/description/custom set). */
export function readEdit(
  issue: IssueRecord,
  body: unknown,
): { change: IssueChange; properties: Array<{ key: string; value: unknown }> } {
  const root = isRecord(body) ? body : {};
  const fields = isRecord(root['fields']) ? root['fields'] : {};
  const update = isRecord(root['update']) ? root['update'] : {};
  const errors: Errors = {};
  const change: IssueChange = {};
  const setField = (name: string, value: unknown) => {
    if (name === 'summary') change.summary = readSummary(value, errors);
    else if (name === 'description') change.description = readDescription(value, 3, errors);
    else if (name === 'labels') change.labels = readLabels(value, errors);
    else if (name.startsWith('customfield_')) change.custom = { ...change.custom, [name]: value };
    else errors[name] = notSettable(name);
  };
  for (const [name, value] of Object.entries(fields)) setField(name, value);
  for (const [name, rawOps] of Object.entries(update)) {
    const ops = Array.isArray(rawOps) ? rawOps.filter(isRecord) : [];
    if (name in fields) errors[name] = `Field '${name}' cannot be set in both 'fields' and 'update'.`;
    else if (name === 'labels') change.labels = applyLabelOps(issue.labels, ops);
    else if (ops.length === 1 && ops[0] && 'set' in ops[0]) setField(name, ops[0]['set']);
    else errors[name] = `Field '${name}': only a single 'set' operation is supported here.`;
  }
  const properties = readProperties(root['properties'], errors);
  if (Object.keys(errors).length > 0) throw fieldErrors(errors);
  return { change, properties };
}
