import type { z } from 'zod';
import { NotFoundError } from '../errors.js';

/** The first message for each field, keyed by field name, for re-rendering a form. */
export function fieldErrors(error: z.ZodError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = String(issue.path[0] ?? '_form');
    out[key] ??= issue.message;
  }
  return out;
}

/** Form bodies as strings only: repeated fields or nested objects from `a[b]=c` are dropped. */
export function formValues(body: unknown, fields: readonly string[]): Record<string, string> {
  const src = (body ?? {}) as Record<string, unknown>;
  const out: Record<string, string> = {};
  for (const f of fields) {
    const v = src[f];
    out[f] = typeof v === 'string' ? v : '';
  }
  return out;
}

/** Only same-site paths, so `?next=` can never send someone to another site. */
export function safeReturnPath(value: unknown, fallback = '/'): string {
  if (typeof value !== 'string' || value.length > 512) return fallback;
  if (!value.startsWith('/') || value.startsWith('//') || value.includes('\\')) return fallback;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what we refuse
  if (/[\u0000-\u001f]/.test(value)) return fallback;
  return value;
}

/** A numeric id from the URL; anything else is a page that does not exist. */
export function idParam(raw: unknown, notFound: () => NotFoundError = () => new NotFoundError()): number {
  const n = typeof raw === 'string' && /^\d{1,9}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n)) throw notFound();
  return n;
}
