import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCourse, createUser } from '../../support/factories.js';
import { courseFields, createLesson, grantAccess, lessonFields, postMultipart, signedIn } from '../../support/catalog-factories.js';
import { startTestApp, type TestApp } from '../../support/test-app.js';

let t: TestApp;
let admin: Awaited<ReturnType<typeof signedIn>>;
beforeAll(async () => {
  t = await startTestApp();
  admin = await signedIn(t.app, t.db, 'admin');
});
afterAll(async () => t.close());

const post = (url: string, fields: Record<string, string> = {}) => admin.agent.post(url).type('form').send({ _csrf: admin.csrf, ...fields });

/** The audit rows written since `sinceId`, summaries parsed. */
async function auditSince(sinceId: number) {
  const rows = await t.db('admin_audit').where('id', '>', sinceId).orderBy('id');
  return rows.map((r) => ({ ...r, entity_id: Number(r.entity_id), actor_user_id: Number(r.actor_user_id), summary: JSON.parse(r.summary) as Record<string, unknown> }));
}
async function lastAuditId(): Promise<number> {
  return Number((await t.db('admin_audit').max({ id: 'id' }).first())?.id ?? 0);
}

describe('the admin audit trail', () => {
  it('records creating a course with who did it and what it became', async () => {
    const since = await lastAuditId();
    const at = t.clock.now();

    const res = await postMultipart(admin.agent, '/admin/courses', { _csrf: admin.csrf, ...courseFields({ title: '审计课程', slug: 'audited', price: '49.9' }) });

    const course = await t.db('courses').where({ slug: 'audited' }).first();
    expect(res.status).toBe(303);
    const rows = await auditSince(since);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ actor_user_id: admin.user.id, action: 'course.create', entity_type: 'course', entity_id: Number(course.id) });
    expect(rows[0]!.summary).toEqual({ after: expect.objectContaining({ title: '审计课程', slug: 'audited', priceFen: 4990 }) });
    expect(new Date(rows[0]!.created_at).getTime()).toBe(at.getTime());
  });

  it('records an edit with the values before and after', async () => {
    const course = await createCourse(t.db, { title: '旧标题', slug: 'edit-me', priceFen: 9900 });
    const since = await lastAuditId();

    await postMultipart(admin.agent, `/admin/courses/${course.id}`, { _csrf: admin.csrf, ...courseFields({ title: '新标题', slug: 'edit-me', price: '199' }) });

    const [row, ...rest] = await auditSince(since);
    expect(rest).toEqual([]);
    expect(row).toMatchObject({ actor_user_id: admin.user.id, action: 'course.update', entity_type: 'course', entity_id: course.id });
    expect(row!.summary.before).toMatchObject({ title: '旧标题', priceFen: 9900 });
    expect(row!.summary.after).toMatchObject({ title: '新标题', priceFen: 19900 });
  });

  it('records publishing and unpublishing with the status before and after, and nothing for a repeat', async () => {
    const course = await createCourse(t.db, { status: 'draft' });
    await createLesson(t.db, course.id);
    const since = await lastAuditId();

    await post(`/admin/courses/${course.id}/publish`);
    await post(`/admin/courses/${course.id}/publish`);
    await post(`/admin/courses/${course.id}/unpublish`);

    const rows = await auditSince(since);
    expect(rows.map((r) => [r.action, r.actor_user_id, r.entity_id, r.summary])).toEqual([
      ['course.publish', admin.user.id, course.id, { before: { status: 'draft' }, after: { status: 'published' } }],
      ['course.unpublish', admin.user.id, course.id, { before: { status: 'published' }, after: { status: 'draft' } }],
    ]);
  });

  it('records creating, editing, moving and deleting a lesson', async () => {
    const course = await createCourse(t.db, { status: 'draft' });
    const first = await createLesson(t.db, course.id, { title: '第一课' });
    const since = await lastAuditId();

    await post(`/admin/courses/${course.id}/lessons`, lessonFields({ title: '新课时' }));
    const added = await t.db('lessons').where({ course_id: course.id, title: '新课时' }).first();
    await post(`/admin/courses/${course.id}/lessons/${added.id}`, lessonFields({ title: '改名的课时', is_free_preview: 'on' }));
    await post(`/admin/courses/${course.id}/lessons/${added.id}/move`, { direction: 'up' });
    await post(`/admin/courses/${course.id}/lessons/${first.id}/delete`, { confirmed: 'yes' });

    const rows = await auditSince(since);
    expect(rows.map((r) => [r.action, r.actor_user_id, r.entity_type, r.entity_id])).toEqual([
      ['lesson.create', admin.user.id, 'lesson', Number(added.id)],
      ['lesson.update', admin.user.id, 'lesson', Number(added.id)],
      ['lesson.move', admin.user.id, 'lesson', Number(added.id)],
      ['lesson.delete', admin.user.id, 'lesson', first.id],
    ]);
    expect(rows[0]!.summary).toEqual({ courseId: course.id, after: { title: '新课时', isFreePreview: false } });
    expect(rows[1]!.summary).toEqual({ courseId: course.id, before: { title: '新课时', isFreePreview: false }, after: { title: '改名的课时', isFreePreview: true } });
    expect(rows[2]!.summary).toEqual({ courseId: course.id, title: '改名的课时', before: { position: 2 }, after: { position: 1 } });
    expect(rows[3]!.summary).toEqual({ courseId: course.id, before: { title: '第一课', position: 2 } });
  });

  it('records nothing for a move that cannot happen', async () => {
    const course = await createCourse(t.db, { status: 'draft' });
    const only = await createLesson(t.db, course.id);
    const since = await lastAuditId();

    const res = await post(`/admin/courses/${course.id}/lessons/${only.id}/move`, { direction: 'up' });

    expect(res.status).toBe(303);
    expect(await auditSince(since)).toEqual([]);
  });

  it('records a grant by username and a revoke, with the access before and after', async () => {
    const course = await createCourse(t.db);
    const learner = await createUser(t.db, { username: 'grantee', passwordHash: 'unused' });
    const since = await lastAuditId();

    const grant = await post(`/admin/courses/${course.id}/grants`, { username: 'GRANTEE' });
    const ent = await t.db('access_grants').where({ user_id: learner.id, course_id: course.id }).first();
    const revoke = await post(`/admin/courses/${course.id}/grants/${learner.id}/revoke`, { confirmed: 'yes' });

    expect(grant.status).toBe(303);
    expect(revoke.status).toBe(303);
    expect(ent).toMatchObject({ source: 'admin_grant', revoked_at: null });
    const rows = await auditSince(since);
    expect(rows.map((r) => [r.action, r.actor_user_id, r.entity_type, r.entity_id])).toEqual([
      ['entitlement.grant', admin.user.id, 'entitlement', Number(ent.id)],
      ['entitlement.revoke', admin.user.id, 'entitlement', Number(ent.id)],
    ]);
    expect(rows[0]!.summary).toEqual({ userId: learner.id, courseId: course.id, before: null, after: { source: 'admin_grant' } });
    expect(rows[1]!.summary).toEqual({ userId: learner.id, courseId: course.id, before: { source: 'admin_grant' }, after: { revoked: true } });
  });

  it('records granting again after a revoke as a change from revoked access', async () => {
    const course = await createCourse(t.db);
    const learner = await createUser(t.db, { passwordHash: 'unused' });
    await grantAccess(t.db, learner.id, course.id, 'admin_grant');
    await post(`/admin/courses/${course.id}/grants/${learner.id}/revoke`, { confirmed: 'yes' });
    const since = await lastAuditId();

    await post(`/admin/courses/${course.id}/grants`, { username: learner.username });

    const [row, ...rest] = await auditSince(since);
    expect(rest).toEqual([]);
    expect(row).toMatchObject({ action: 'entitlement.grant', actor_user_id: admin.user.id });
    expect(row!.summary).toEqual({ userId: learner.id, courseId: course.id, before: { source: 'admin_grant', revoked: true }, after: { source: 'admin_grant' } });
    expect(await t.db('access_grants').where({ user_id: learner.id, course_id: course.id })).toEqual([expect.objectContaining({ source: 'admin_grant', revoked_at: null })]);
  });

  it('leaves paid access alone on 收回, audits nothing and tells the admin to refund instead', async () => {
    const course = await createCourse(t.db);
    const learner = await createUser(t.db, { passwordHash: 'unused' });
    await grantAccess(t.db, learner.id, course.id, 'purchase');
    const since = await lastAuditId();

    const res = await post(`/admin/courses/${course.id}/grants/${learner.id}/revoke`, { confirmed: 'yes' });
    const page = await admin.agent.get(res.headers.location!);

    expect(res.status).toBe(303);
    expect(page.text).toContain('该学员的权限来自已支付的订单，如需收回请在订单页退款');
    expect(await auditSince(since)).toEqual([]);
    expect(await t.db('access_grants').where({ user_id: learner.id, course_id: course.id })).toEqual([expect.objectContaining({ source: 'purchase', revoked_at: null })]);
  });

  it('records nothing when the learner already has an admin grant, or the username is unknown, or there is nothing to revoke', async () => {
    const course = await createCourse(t.db);
    const learner = await createUser(t.db, { passwordHash: 'unused' });
    const stranger = await createUser(t.db, { passwordHash: 'unused' });
    await grantAccess(t.db, learner.id, course.id, 'admin_grant');
    const since = await lastAuditId();

    const again = await post(`/admin/courses/${course.id}/grants`, { username: learner.username });
    const unknown = await post(`/admin/courses/${course.id}/grants`, { username: 'nobody-here' });
    const unknownPage = await admin.agent.get(unknown.headers.location!);
    const nothing = await post(`/admin/courses/${course.id}/grants/${stranger.id}/revoke`, { confirmed: 'yes' });

    expect([again.status, unknown.status, nothing.status]).toEqual([303, 303, 303]);
    expect(await auditSince(since)).toEqual([]);
    expect(await t.db('access_grants').where({ user_id: learner.id })).toEqual([expect.objectContaining({ source: 'admin_grant', revoked_at: null })]);
    expect(unknownPage.text).toContain('找不到用户“nobody-here”');
  });

  it('shows the course’s history as sentences in Beijing time, with lesson changes and grants, newest first', async () => {
    const course = await createCourse(t.db, { status: 'draft' });
    const lesson = await createLesson(t.db, course.id, { title: '会被删的课时' });
    await createLesson(t.db, course.id);
    const learner = await createUser(t.db, { username: 'historian', passwordHash: 'x' });
    await t.db('users').where({ id: admin.user.id }).update({ nickname: '课程作者' });
    await post(`/admin/courses/${course.id}/publish`);
    await post(`/admin/courses/${course.id}/grants`, { username: 'historian' });
    await post(`/admin/courses/${course.id}/lessons/${lesson.id}/delete`, { confirmed: 'yes' });

    const page = await admin.agent.get(`/admin/courses/${course.id}`);
    const history = page.text.slice(page.text.indexOf('操作记录'));

    expect(history).toContain('课程作者 发布了课程');
    expect(history).toContain(`课程作者 为 ${learner.username} 开通了学习权限`);
    expect(history).toContain('课程作者 删除了课时“会被删的课时”');
    expect(history.indexOf('删除了课时')).toBeLessThan(history.indexOf('发布了课程'));
    expect(history).toMatch(/发布了课程 <small>\d{4}-\d{2}-\d{2} \d{2}:\d{2}<\/small>/);
    expect(history).not.toContain('UTC');
  });

  it('says which fields a course edit changed, with the old and new price', async () => {
    const course = await createCourse(t.db, { priceFen: 9900 });
    await postMultipart(admin.agent, `/admin/courses/${course.id}`, { _csrf: admin.csrf, ...courseFields({ title: course.title, slug: course.slug, price: '129' }) });

    const page = await admin.agent.get(`/admin/courses/${course.id}`);

    expect(page.text).toContain('修改了课程：');
    expect(page.text).toContain('价格 ¥99.00 → ¥129.00');
  });
});
