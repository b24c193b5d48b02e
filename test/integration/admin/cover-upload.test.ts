import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCourse } from '../../support/factories.js';
import { courseFields, postMultipart, signedIn } from '../../support/catalog-factories.js';
import { startTestApp, type TestApp } from '../../support/test-app.js';

function crc32(buf: Buffer): number {
  let c = ~0;
  for (const byte of buf) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A real 2×2 red RGB PNG, built byte by byte. */
function tinyPng(): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(2, 0); // width
  ihdr.writeUInt32BE(2, 4); // height
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: RGB
  const row = Buffer.from([0, 255, 0, 0, 255, 0, 0]); // filter byte, then two red pixels
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat([row, row]))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

let t: TestApp;
let admin: Awaited<ReturnType<typeof signedIn>>;
let uploadDir: string;
beforeAll(async () => {
  uploadDir = mkdtempSync(path.join(os.tmpdir(), 'zhifu-uploads-'));
  t = await startTestApp({ UPLOAD_DIR: uploadDir });
  admin = await signedIn(t.app, t.db, 'admin');
});
afterAll(async () => {
  await t.close();
  rmSync(uploadDir, { recursive: true, force: true });
});

const storedCovers = () => {
  try {
    return readdirSync(path.join(uploadDir, 'covers'));
  } catch {
    return [];
  }
};

describe('uploading a course cover', () => {
  it('stores a real PNG and serves it at the returned /uploads/covers/ address as image/png', async () => {
    const png = tinyPng();

    const res = await postMultipart(admin.agent, '/admin/courses', { _csrf: admin.csrf, ...courseFields({ slug: 'with-upload' }) }, { buffer: png, filename: 'cover.png', contentType: 'image/png' });

    expect(res.status).toBe(303);
    const row = await t.db('courses').where({ slug: 'with-upload' }).first();
    expect(row.cover_url).toMatch(/^\/uploads\/covers\/[0-9a-f]{24}\.png$/);
    const served = await request(t.app).get(row.cover_url).buffer(true).parse((r, cb) => {
      const parts: Buffer[] = [];
      r.on('data', (d: Buffer) => parts.push(d));
      r.on('end', () => cb(null, Buffer.concat(parts)));
    });
    expect(served.status).toBe(200);
    expect(served.headers['content-type']).toBe('image/png');
    expect(served.headers['x-content-type-options']).toBe('nosniff');
    expect(Buffer.compare(served.body as Buffer, png)).toBe(0);
    expect((await admin.agent.get(`/admin/courses/${row.id}/edit`)).text).toContain(`name="cover_url" type="url" value="${row.cover_url}"`);
  });

  it('replaces the cover of an existing course, and keeps it when the next edit uploads nothing', async () => {
    const course = await createCourse(t.db, { slug: 'edit-cover' });

    const upload = await postMultipart(admin.agent, `/admin/courses/${course.id}`, { _csrf: admin.csrf, ...courseFields({ slug: 'edit-cover' }) }, { buffer: tinyPng(), filename: 'x.png', contentType: 'image/png' });
    const uploaded = (await t.db('courses').where({ id: course.id }).first()).cover_url;
    const edit = await postMultipart(admin.agent, `/admin/courses/${course.id}`, { _csrf: admin.csrf, ...courseFields({ slug: 'edit-cover', title: '只改标题' }) });

    expect(upload.status).toBe(303);
    expect(uploaded).toMatch(/^\/uploads\/covers\/[0-9a-f]{24}\.png$/);
    expect(edit.status).toBe(303);
    expect(await t.db('courses').where({ id: course.id }).first()).toMatchObject({ title: '只改标题', cover_url: uploaded });
  });

  it('refuses a text file named .png with a message, storing nothing', async () => {
    const before = storedCovers();

    const res = await postMultipart(admin.agent, '/admin/courses', { _csrf: admin.csrf, ...courseFields({ slug: 'fake-png', title: '假图片' }) }, {
      buffer: Buffer.from('<?php echo "hi"; ?>\nnot an image at all'),
      filename: 'cover.png',
      contentType: 'image/png',
    });

    expect(res.status).toBe(422);
    expect(res.text).toContain('<p class="field-error" id="e-cover_file">封面只支持 PNG、JPEG 或 WebP 图片</p>');
    expect(res.text).toContain('value="假图片"');
    expect(await t.db('courses').where({ slug: 'fake-png' })).toHaveLength(0);
    expect(storedCovers()).toEqual(before);
  });

  it('refuses an image over 2 MB with a message, storing nothing', async () => {
    const before = storedCovers();
    const big = Buffer.concat([tinyPng(), Buffer.alloc(2 * 1024 * 1024)]);

    const res = await postMultipart(admin.agent, '/admin/courses', { _csrf: admin.csrf, ...courseFields({ slug: 'too-big', title: '太大的封面' }) }, { buffer: big, filename: 'big.png', contentType: 'image/png' });

    expect(res.status).toBe(422);
    expect(res.text).toContain('<p class="field-error" id="e-cover_file">图片不能超过 2 MB</p>');
    expect(await t.db('courses').where({ slug: 'too-big' })).toHaveLength(0);
    expect(storedCovers()).toEqual(before);
  });

  it('does not store an upload when another field is invalid', async () => {
    const before = storedCovers();

    const res = await postMultipart(admin.agent, '/admin/courses', { _csrf: admin.csrf, ...courseFields({ price: 'abc' }) }, { buffer: tinyPng(), filename: 'c.png', contentType: 'image/png' });

    expect(res.status).toBe(422);
    expect(storedCovers()).toEqual(before);
  });

  it('keeps a stored upload in the form when the slug turns out to be taken, so it is not lost', async () => {
    await createCourse(t.db, { slug: 'clash' });

    const res = await postMultipart(admin.agent, '/admin/courses', { _csrf: admin.csrf, ...courseFields({ slug: 'clash', title: '撞名' }) }, { buffer: tinyPng(), filename: 'c.png', contentType: 'image/png' });

    expect(res.status).toBe(422);
    expect(res.text).toContain('<p class="field-error" id="e-slug">这个链接名已被其他课程使用</p>');
    const kept = /name="cover_url" type="url" value="([^"]*)"/.exec(res.text)![1]!;
    expect(kept).toMatch(/^\/uploads\/covers\/[0-9a-f]{24}\.png$/);
    expect(storedCovers()).toContain(path.basename(kept));
    const fixed = await postMultipart(admin.agent, '/admin/courses', { _csrf: admin.csrf, ...courseFields({ slug: 'no-clash', cover_url: kept }) });
    expect(fixed.status).toBe(303);
    expect(await t.db('courses').where({ slug: 'no-clash' }).first()).toMatchObject({ cover_url: kept });
  });

  it('never lists the upload folder', async () => {
    await postMultipart(admin.agent, '/admin/courses', { _csrf: admin.csrf, ...courseFields({ slug: 'listed' }) }, { buffer: tinyPng(), filename: 'c.png', contentType: 'image/png' });

    const res = await request(t.app).get('/uploads/covers/');

    expect(storedCovers().length).toBeGreaterThan(0);
    expect(res.status).toBe(404);
    expect(res.text).not.toContain(storedCovers()[0]);
  });
});
