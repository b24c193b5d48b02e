import type { Request, Response } from 'express';

/**
 * Destructive admin actions (delete a lesson, revoke access, refund) take two steps: the first POST
 * renders a page saying exactly what will happen, and only its 确认 button, which re-posts the same
 * fields with `confirmed=yes`, acts. No script is needed, so it works under the strict CSP.
 */
export function isConfirmed(req: Request): boolean {
  return (req.body as Record<string, unknown> | undefined)?.confirmed === 'yes';
}

export function renderConfirmation(
  res: Response,
  o: { title: string; message: string; action: string; button: string; cancelHref: string; fields?: Record<string, string>; detail?: string },
): void {
  res.render('admin/confirm', { title: o.title, confirm: { ...o, fields: Object.entries(o.fields ?? {}), detail: o.detail ?? null } });
}
