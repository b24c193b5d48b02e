import { describe, expect, it } from 'vitest';
import { createCourse, createUser } from '../../support/factories.js';
import { appWithSignedInAdmin } from '../../support/catalog-factories.js';
import { csrfFrom } from '../../support/forms.js';

const ctx = appWithSignedInAdmin();

const grant = (courseId: number, fields: Record<string, string>) => ctx.admin.agent.post(`/admin/courses/${courseId}/grants`).type('form').send({ _csrf: ctx.admin.csrf, ...fields });
const grantsOf = (courseId: number) => ctx.t.db('access_grants').where({ course_id: courseId, source: 'admin_grant' }).whereNull('revoked_at').pluck('user_id');

/** A learner who came through WeChat: no username, a nickname and an openid. */
async function wechatLearner(nickname: string, openid: string) {
  const now = new Date();
  const [id] = await ctx.t.db('users').insert({ username: null, password_hash: null, nickname, role: 'learner', wechat_openid: openid, created_at: now, updated_at: now });
  return Number(id);
}

describe('granting a course to a learner', () => {
  it('asks before granting to the one learner a nickname matches, then shows the message in the learners section', async () => {
    const course = await createCourse(ctx.t.db);
    const id = await wechatLearner('微信小红', `oGrant${Date.now()}A`);

    const ask = await grant(course.id, { username: '小红' });
    expect(ask.status).toBe(200);
    expect(ask.text).toContain('有 1 位学员与“小红”相符');
    expect(await grantsOf(course.id)).toEqual([]);
    const res = await grant(course.id, { user_id: String(id) });
    const page = await ctx.admin.agent.get(res.headers.location!);

    expect(res.headers.location).toBe(`/admin/courses/${course.id}#learners`);
    expect(await grantsOf(course.id)).toEqual([id]);
    expect(page.text).toMatch(/data-testid="learners-flash">已为 微信小红 开通学习权限/);
  });

  it('finds a learner by openid', async () => {
    const course = await createCourse(ctx.t.db);
    const openid = `oGrant${Date.now()}B`;
    const id = await wechatLearner('同名同学', openid);
    await wechatLearner('同名同学', `oGrant${Date.now()}C`);

    await grant(course.id, { username: openid });

    expect(await grantsOf(course.id)).toEqual([id]);
  });

  it('asks which one is meant when several learners match, then grants the chosen one only', async () => {
    const course = await createCourse(ctx.t.db);
    const a = await wechatLearner('阿明', `oGrant${Date.now()}D`);
    const b = await wechatLearner('阿明', `oGrant${Date.now()}E`);

    const ask = await grant(course.id, { username: '阿明' });

    expect(ask.status).toBe(200);
    expect(ask.text).toContain('有 2 位学员与“阿明”相符');
    expect(ask.text).toContain(`name="user_id" value="${a}"`);
    expect(ask.text).toContain(`name="user_id" value="${b}"`);
    expect(await grantsOf(course.id)).toEqual([]);

    await ctx.admin.agent.post(`/admin/courses/${course.id}/grants`).type('form').send({ _csrf: csrfFrom(ask.text), user_id: String(b) });

    expect(await grantsOf(course.id)).toEqual([b]);
  });

  it('prefers an exact username over nicknames that contain it', async () => {
    const course = await createCourse(ctx.t.db);
    const exact = await createUser(ctx.t.db, { username: 'lee', passwordHash: 'x' });
    await wechatLearner('lee fan', `oGrant${Date.now()}F`);

    await grant(course.id, { username: 'LEE' });

    expect(await grantsOf(course.id)).toEqual([exact.id]);
  });

  it('says so when nobody matches, or an unknown id is posted', async () => {
    const course = await createCourse(ctx.t.db);

    const none = await grant(course.id, { username: '不存在的人' });
    const page = await ctx.admin.agent.get(none.headers.location!);
    await grant(course.id, { user_id: '99999999' });

    expect(page.text).toContain('找不到用户“不存在的人”');
    expect(await grantsOf(course.id)).toEqual([]);
  });
});
