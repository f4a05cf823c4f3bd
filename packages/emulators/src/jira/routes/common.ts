import type { Request } from 'express';
import { type AdfDoc, adfProblem } from '../adf.ts';
import { fieldErrors } from '../errors.ts';
import type { JiraState } from '../state.ts';

/** What every route module is given. */
export interface RouteDeps {
  state: JiraState;
  /** The sandbox user's email: the author of comments and the `user` of webhook payloads. */
  email: string;
}

/** A single query parameter (the last, if repeated). */
export function queryString(req: Request, name: string): string | undefined {
  const value = req.query[name];
  const last = Array.isArray(value) ? value[value.length - 1] : value;
  return typeof last === 'string' ? last : undefined;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `{id}` / `{key}` / `{name}` references as Jira takes them, read leniently (ids may come as numbers). */
export function reference(value: unknown): { id?: string; key?: string; name?: string } | undefined {
  if (!isRecord(value)) return undefined;
  const text = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : undefined);
  const ref: { id?: string; key?: string; name?: string } = {};
  const id = text(value['id']);
  const key = text(value['key']);
  const name = text(value['name']);
  if (id !== undefined) ref.id = id;
  if (key !== undefined) ref.key = key;
  if (name !== undefined) ref.name = name;
  return ref;
}

export const NOT_ADF = 'Operation value must be an Atlassian Document (see the Atlassian Document Format)';

/** A rich-text value on v3: an ADF document, or null to clear it. */
export function readAdf(field: string, value: unknown): AdfDoc | null {
  if (value === null) return null;
  if (adfProblem(value) !== undefined) throw fieldErrors({ [field]: NOT_ADF });
  return value as AdfDoc;
}
