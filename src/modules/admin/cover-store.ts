import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const MAX_COVER_BYTES = 2 * 1024 * 1024;

/** Identify by content, never by the client's filename or Content-Type. */
function imageType(buf: Buffer): 'png' | 'jpg' | 'webp' | null {
  if (buf.length >= 8 && buf.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff) return 'jpg';
  if (buf.length >= 12 && buf.toString('latin1', 0, 4) === 'RIFF' && buf.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  return null;
}

/**
 * Cover images under `<uploadDir>/covers/`, served at /uploads/covers/. Several app processes on one
 * machine share the folder; across machines it needs shared storage (noted in the README).
 */
export function createCoverStore(uploadDir: string) {
  return {
    /** Returns the public URL, or a Chinese reason the file was refused. */
    async save(file: { buffer: Buffer; size: number }): Promise<{ url: string } | { error: string }> {
      if (file.size === 0) return { error: '上传的图片是空文件' };
      if (file.size > MAX_COVER_BYTES) return { error: '图片不能超过 2 MB' };
      const ext = imageType(file.buffer);
      if (!ext) return { error: '封面只支持 PNG、JPEG 或 WebP 图片' };
      const name = `${randomBytes(12).toString('hex')}.${ext}`;
      const dir = path.join(uploadDir, 'covers');
      await mkdir(dir, { recursive: true });
      await writeFile(path.join(dir, name), file.buffer, { flag: 'wx' });
      return { url: `/uploads/covers/${name}` };
    },
  };
}

export type CoverStore = ReturnType<typeof createCoverStore>;
