import type { Request, RequestHandler } from 'express';
import type { FlashMessage } from './session.js';

/** One message shown on the next page a person sees (Post/Redirect/Get). */
export function setFlash(req: Request, type: FlashMessage['type'], message: string, near?: string): void {
  req.session.flash = near ? { type, message, near } : { type, message };
}

export const takeFlash: RequestHandler = (req, res, next) => {
  const flash = req.session?.flash;
  if (flash) {
    delete req.session.flash;
    res.locals.flash = flash;
  }
  next();
};
