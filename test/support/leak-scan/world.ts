// The world the leak scan crawls: a paid course whose locked lessons carry a unique canary in every
// protected field, comments under a locked lesson, an unpublished course, and six people. Every
// canary is letters and digits only, so HTML, JSON, CSV or URL escaping cannot hide it.
import { randomBytes } from 'node:crypto';
import { createCourse, createUser } from '../factories.js';
import { createLesson, grantAccess } from '../catalog-factories.js';
import { createCoupon } from '../coupons.js';
import { createPlan } from '../membership.js';
import type { ListeningApp } from '../listening-app.js';
import { payAtSandbox, tick } from '../wechat-pay.js';
import { csrfIn, logIn, person, send, type Person } from './http-client.js';

/** What a canary protects decides where it may appear (see allowed.ts). */
export type CanaryKind = 'locked' | 'comment' | 'held' | 'draftCourse' | 'draftLesson' | 'preview';

export interface Canary {
  token: string;
  kind: CanaryKind;
  /** The field it sits in, for the failure message. */
  field: string;
  /** The lesson it belongs to (lesson fields and comments). */
  lessonId?: number;
  /** The comment it is, who wrote it and whom it answers (comments). */
  commentId?: number;
  author?: Person['name'];
  replyTo?: Person['name'];
}

const tag = randomBytes(4).toString('hex');
const token = (what: string) => `ZLK${tag}${what}`;

export async function buildWorld(t: ListeningApp) {
  const canaries: Canary[] = [];
  const canary = (what: string, kind: CanaryKind, field: string, lessonId?: number) => {
    const c: Canary = { token: token(what), kind, field, lessonId };
    canaries.push(c);
    return c.token;
  };

  const paid = await createCourse(t.db, { slug: `leak-paid-${tag}`, title: `付费课程 Leakscan ${tag}`, priceFen: 19_900 });
  // A preview lesson anyone may read: its body is the positive control for "anyone may see this".
  const preview = await createLesson(t.db, paid.id, { title: '试看：开篇', isFreePreview: true, bodyMd: 'x' });
  await t.db('lessons').where({ id: preview.id }).update({ body_md: `试看正文 ${canary('PREVIEWBODY', 'preview', 'body_md', preview.id)}`, media_url: `https://media.example.com/${canary('PREVIEWMEDIA', 'preview', 'media_url', preview.id)}.mp4` });

  // Locked lessons: a video and an audio lesson, with an attachment link and an image in the Markdown.
  const video = await createLesson(t.db, paid.id, { title: '付费：视频课', bodyMd: 'x', durationSeconds: 600 });
  const lockedBody = (id: number, n: string) =>
    [
      `## 正文\n\n付费正文 ${canary(`BODY${n}`, 'locked', 'body_md', id)}，只有买了课的人能看。`,
      `\`\`\`js\nconst secret = '${canary(`CODE${n}`, 'locked', 'body_md (code block)', id)}';\n\`\`\``,
      `[课程资料](https://files.example.com/${canary(`ATTACH${n}`, 'locked', 'body_md (attachment link)', id)}.pdf)`,
      `![示意图](https://img.example.com/${canary(`IMAGE${n}`, 'locked', 'body_md (image)', id)}.png)`,
    ].join('\n\n');
  await t.db('lessons').where({ id: video.id }).update({ body_md: lockedBody(video.id, 'V'), media_url: `https://media.example.com/${canary('MEDIAV', 'locked', 'media_url (video)', video.id)}.mp4` });
  const audio = await createLesson(t.db, paid.id, { title: '付费：音频课', bodyMd: 'x' });
  await t.db('lessons').where({ id: audio.id }).update({ body_md: lockedBody(audio.id, 'A'), media_url: `https://media.example.com/${canary('MEDIAA', 'locked', 'media_url (audio)', audio.id)}.mp3` });
  const link = await createLesson(t.db, paid.id, { title: '付费：外链资料', bodyMd: 'x' });
  await t.db('lessons').where({ id: link.id }).update({ body_md: lockedBody(link.id, 'L'), media_url: `https://pan.example.com/s/${canary('MEDIAL', 'locked', 'media_url (link)', link.id)}` });

  // An unpublished course: its title and lessons are the creator's until it is published. Lessons
  // have no draft state of their own; a lesson of an unpublished course is the draft lesson.
  const draft = await createCourse(t.db, { slug: `leak-draft-${tag}`, title: `未发布 ${token('DRAFTTITLE')}`, status: 'draft' });
  canaries.push({ token: token('DRAFTTITLE'), kind: 'draftCourse', field: 'courses.title' });
  await t.db('courses').where({ id: draft.id }).update({ summary: `简介 ${canary('DRAFTSUMMARY', 'draftCourse', 'courses.summary')}`, description: `介绍 ${canary('DRAFTDESC', 'draftCourse', 'courses.description')}` });
  const draftLesson = await createLesson(t.db, draft.id, { title: '草稿课时', bodyMd: 'x', isFreePreview: true });
  await t.db('lessons').where({ id: draftLesson.id }).update({ body_md: `草稿正文 ${canary('DRAFTBODY', 'draftLesson', 'body_md', draftLesson.id)}`, media_url: `https://media.example.com/${canary('DRAFTMEDIA', 'draftLesson', 'media_url', draftLesson.id)}.mp4` });

  const base = t.baseUrl;
  const anonymous = person('anonymous');
  const people = { anonymous, nonBuyer: person('nonBuyer'), owner: person('owner'), otherOwner: person('otherOwner'), lapsed: person('lapsed'), admin: person('admin') };
  const ids = {} as Record<Person['name'], number>;
  for (const p of Object.values(people)) {
    if (p.name === 'anonymous') continue;
    const u = await createUser(t.db, { role: p.name === 'admin' ? 'admin' : 'learner', username: `${p.name.toLowerCase()}${tag}` });
    ids[p.name] = u.id;
    await logIn(base, p, u.username, u.password);
  }

  // The owner buys through the real checkout: the order page, the sandbox cashier, the notification.
  const coursePage = await send(base, people.owner, 'GET', `/courses/${paid.slug}`);
  const checkout = await send(base, people.owner, 'POST', '/orders', { form: { _csrf: csrfIn(coursePage.body) ?? people.owner.csrf, course_id: String(paid.id) } });
  const outTradeNo = /^\/orders\/([A-Za-z0-9_-]+)$/.exec(checkout.headers.location ?? '')?.[1];
  if (!outTradeNo) throw new Error(`checkout answered ${checkout.status} ${checkout.headers.location}`);
  await payAtSandbox(t, outTradeNo);
  await tick(t);
  const order = await t.db('orders').where({ out_trade_no: outTradeNo }).first();
  if (order?.status !== 'paid') throw new Error(`the purchase did not complete: ${String(order?.status)}`);

  await grantAccess(t.db, ids.otherOwner, paid.id);
  await grantAccess(t.db, ids.lapsed, paid.id);

  // Comments under the locked video lesson, over HTTP: the owner's, the creator's reply, a held one;
  // the lapsed learner's, written while they had the course, and the creator's reply to it.
  const postComment = async (p: Person, body: string, parentId?: number) => {
    const res = await send(base, p, 'POST', `/courses/${paid.slug}/lessons/${video.id}/comments`, { form: { _csrf: p.csrf, body, ...(parentId ? { parent_id: String(parentId) } : {}) } });
    const id = Number(/#comment-(\d+)$/.exec(res.headers.location ?? '')?.[1]);
    if (!id) throw new Error(`comment by ${p.name} answered ${res.status}: ${res.body.slice(0, 200)}`);
    return id;
  };
  const comments: Record<string, number> = {};
  const writeComment = async (key: string, kind: CanaryKind, by: Person, text: string, replyTo?: { key: string; to: Person }) => {
    const c: Canary = { token: token(key), kind, field: `comments.body (${kind})`, lessonId: video.id, author: by.name, replyTo: replyTo?.to.name };
    c.commentId = await postComment(by, `${text} ${c.token}`, replyTo && comments[replyTo.key]);
    comments[key] = c.commentId;
    canaries.push(c);
  };
  await writeComment('COMMENT', 'comment', people.owner, '学到了');
  await writeComment('REPLY', 'comment', people.admin, '谢谢', { key: 'COMMENT', to: people.owner });
  await writeComment('HELD', 'held', people.owner, '加我微信');
  await writeComment('LAPSEDCOMMENT', 'comment', people.lapsed, '我也来');
  await writeComment('LAPSEDREPLY', 'comment', people.admin, '欢迎', { key: 'LAPSEDCOMMENT', to: people.lapsed });
  // Then the lapsed learner's purchase is refunded: access ends, their words stay.
  await t.db('access_grants').where({ user_id: ids.lapsed, course_id: paid.id }).update({ revoked_at: new Date(), revoked_reason: 'refund' });

  const coupon = await createCoupon(t.db, { name: '扫描用券' });
  const plan = await createPlan(t.db, { name: '扫描会员' });

  return {
    tag,
    canaries,
    people,
    paid,
    draft,
    lessons: { preview, video, audio, link, draftLesson },
    comments: { comment: comments.COMMENT!, reply: comments.REPLY!, held: comments.HELD!, lapsed: comments.LAPSEDCOMMENT! },
    outTradeNo,
    coupon,
    plan,
  };
}

export type World = Awaited<ReturnType<typeof buildWorld>>;
