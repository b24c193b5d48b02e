import multer from 'multer';
import type { RequestHandler } from 'express';
import { AppError } from '../errors.js';

declare module 'express-serve-static-core' {
  interface Request {
    /** A Chinese message when an uploaded file was refused while parsing (too large, too many). */
    uploadError?: string;
  }
}

/**
 * Parses multipart forms into req.body and req.file (kept in memory, size-limited) before the CSRF
 * check runs, so upload forms carry their token in the body like every other form. Nothing is
 * written to disk here: the route decides, after its own checks.
 */
export function multipartBody(opts: { fileField: string; maxBytes: number }): RequestHandler {
  const parse = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: opts.maxBytes, files: 1, fields: 50, fieldSize: 200_000, parts: 60 },
  }).single(opts.fileField);
  const mb = Math.round(opts.maxBytes / 1024 / 1024);
  return (req, res, next) => {
    if (!req.is('multipart/form-data')) return next();
    parse(req, res, (err: unknown) => {
      if (err instanceof multer.MulterError) {
        req.uploadError = err.code === 'LIMIT_FILE_SIZE' ? `图片不能超过 ${mb} MB` : '上传的内容不符合要求';
        req.body ??= {};
        return next();
      }
      // Anything else is busboy refusing the bytes (a cut-off body, a wrong boundary, a bad part
      // header): the client's mistake, and the fields parsed so far are not the whole form.
      if (err) return next(new AppError('MALFORMED_MULTIPART', '上传的表单不完整或格式不正确，请重新提交', 400, { cause: err }));
      next();
    });
  };
}
