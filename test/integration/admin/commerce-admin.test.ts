import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { beijingMonths, splitLearners } from '../../../src/modules/admin/commerce-admin-routes.js';
import { toDate } from '../../../src/platform/db/index.js';
import { createCourse, createUser } from '../../support/factories.js';
import { browser } from '../../support/forms.js';
import { csrfOf, signedIn } from '../../support/catalog-factories.js';
import { startTestApp, type TestApp } from '../../support/test-app.js';

// /admin/coupons and /admin/memberships: the creator makes coupons (立减, 满减, 折扣), pauses and ends
// them, hands them to named learners, sells membership plans and reads who is about to lapse.
let t: TestApp;
let admin: Awaited<ReturnType<typeof signedIn>>;
let learner: Awaited<ReturnType<typeof signedIn>>;
let go: { id: number; slug: string; title: string };
let rust: { id: number; slug: string; title: string };

beforeAll(async () => {
  t = await startTestApp({ PUBLIC_URL: 'https://zhifu.example.com' });
  go = await createCourse(t.db, { title: 'Go 语言入门' });
  rust = await createCourse(t.db, { title: 'Rust 系统编程' });
  admin = await signedIn(t.app, t.db, 'admin');
  learner = await signedIn(t.app, t.db);
});
afterAll(async () => t?.close());

type Agent = ReturnType<typeof browser>;
type Fields = Record<string, string | string[]>;

/** A urlencoded body as a browser sends it: a repeated field for each ticked checkbox. */
function formBody(fields: Fields): string {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) for (const one of Array.isArray(v) ? v : [v]) body.append(k, one);
  return body.toString();
}
const post = (agent: Agent, url: string, fields: Fields) => agent.post(url).type('form').send(formBody(fields));

function couponFields(overrides: Fields = {}): Fields {
  return {
    _csrf: admin.csrf,
    name: '新人立减券',
    code: '',
    kind: 'amount',
    amount_off: '20',
    threshold: '',
    rate: '',
    scope: 'all',
    valid_from: '',
    valid_until: '',
    quantity: '100',
    per_learner: '1',
    ...overrides,
  };
}

/** Creates a coupon through the form; its row and id. */
async function createCoupon(overrides: Fields = {}) {
  const res = await post(admin.agent, '/admin/coupons', couponFields(overrides));
  expect(res.status, res.text.slice(0, 2000)).toBe(303);
  const id = Number(/^\/admin\/coupons\/(\d+)$/.exec(res.headers.location ?? '')?.[1]);
  return { id, row: await t.db('coupons').where({ id }).first() };
}

const couponStatus = async (id: number) => (await t.db('coupons').where({ id }).first()).status as string;
const count = async (table: string) => Number((await t.db(table).count({ n: '*' }).first())?.n ?? 0);
/** The text of an element with this data-testid. */
const testid = (html: string, id: string) => new RegExp(`data-testid="${id}"[^>]*>([^<]*)<`).exec(html)?.[1];
/** What a form field shows again: the value attribute of the input with this name. */
const inputValue = (html: string, name: string) => new RegExp(`name="${name}"[^>]*value="([^"]*)"`).exec(html)?.[1];

const DAY = 86_400_000;

describe('who may use it', () => {
  const pages = ['/admin/coupons', '/admin/coupons/new', '/admin/coupons/1', '/admin/memberships', '/admin/memberships/new', '/admin/memberships/1/edit'];
  const forms = ['/admin/coupons', '/admin/coupons/1/pause', '/admin/coupons/1/resume', '/admin/coupons/1/end', '/admin/coupons/1/grants', '/admin/memberships', '/admin/memberships/1'];

  it('sends a visitor who is not signed in to the login page, and answers their posts with 401', async () => {
    const visitor = browser(t.app);
    const csrf = await csrfOf(visitor);
    for (const page of pages) {
      const res = await visitor.get(page);
      expect([page, res.status, res.headers.location]).toEqual([page, 303, `/login?next=${encodeURIComponent(page)}`]);
    }
    for (const form of forms) expect([form, (await post(visitor, form, { _csrf: csrf, ...couponFields({ _csrf: csrf }) })).status]).toEqual([form, 401]);
  });

  it('refuses a signed-in learner with 403 on every page and form, and creates nothing', async () => {
    for (const page of pages) expect([page, (await learner.agent.get(page)).status]).toEqual([page, 403]);
    for (const form of forms) {
      const res = await post(learner.agent, form, couponFields({ _csrf: learner.csrf, learners: learner.user.username, price: '99', period_days: '30' }));
      expect([form, res.status]).toEqual([form, 403]);
    }
    expect(await count('coupons')).toBe(0);
    expect(await count('membership_plans')).toBe(0);
  });

  it('refuses an admin’s form without the CSRF token', async () => {
    const { _csrf: _ignored, ...noToken } = couponFields();
    const res = await post(admin.agent, '/admin/coupons', noToken);

    expect(res.status).toBe(403);
    expect(await count('coupons')).toBe(0);
  });
});

describe('creating a coupon', () => {
  it('stores a 立减 coupon in fen with its Beijing dates as UTC instants, the end being the midnight after it', async () => {
    const { id, row } = await createCoupon({ name: '双十二立减券', code: 'welcome20', amount_off: '19.90', valid_from: '2026-12-01', valid_until: '2026-12-31', quantity: '500', per_learner: '2' });

    expect(row).toMatchObject({ name: '双十二立减券', code: 'WELCOME20', kind: 'amount', amount_off_fen: 1990, threshold_fen: null, percent_off: null, scope: 'all', quantity: 500, per_learner: 2, status: 'active', created_by: admin.user.id });
    expect(toDate(row.valid_from).toISOString()).toBe('2026-11-30T16:00:00.000Z');
    expect(toDate(row.valid_until).toISOString()).toBe('2026-12-31T16:00:00.000Z');
    const page = await admin.agent.get(`/admin/coupons/${id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('优惠券「双十二立减券」已创建');
    expect(testid(page.text, 'coupon-terms')).toBe('立减 ¥19.90');
    expect(testid(page.text, 'coupon-window')).toBe('2026-12-01 至 2026-12-31');
    expect(page.text).toMatch(new RegExp(`value="https://zhifu.example.com/coupons/claim/${row.claim_token}" data-testid="claim-link"`));
    expect(page.text).toContain('src="/static/js/copy-link.js"');
  });

  it('stores a 满减 coupon for two chosen courses, ticked as repeated course_ids fields', async () => {
    const { id, row } = await createCoupon({ name: '满减券', kind: 'threshold', amount_off: '50', threshold: '199', scope: 'courses', course_ids: [String(go.id), String(rust.id)] });

    expect(row).toMatchObject({ kind: 'threshold', amount_off_fen: 5000, threshold_fen: 19900, percent_off: null, scope: 'courses', valid_from: null, valid_until: null });
    expect((await t.db('coupon_courses').where({ coupon_id: id }).orderBy('course_id')).map((r) => Number(r.course_id))).toEqual([go.id, rust.id].sort((a, b) => a - b));
    const page = await admin.agent.get(`/admin/coupons/${id}`);
    expect(testid(page.text, 'coupon-terms')).toBe('满 ¥199 减 ¥50');
    expect(page.text).toContain('Go 语言入门、Rust 系统编程');
  });

  it('takes a single ticked course, which arrives as a plain string', async () => {
    const { id } = await createCoupon({ name: '单课券', scope: 'courses', course_ids: String(rust.id) });

    expect((await t.db('coupon_courses').where({ coupon_id: id })).map((r) => Number(r.course_id))).toEqual([rust.id]);
  });

  it.each([
    ['8', 20, '8 折'],
    ['8.5', 15, '8.5 折'],
    ['0', 100, '免费'],
  ])('stores %s 折 as %i percent off (%s)', async (rate, percentOff, label) => {
    const { id, row } = await createCoupon({ name: `折扣券 ${rate}`, kind: 'percent', amount_off: '', rate, scope: 'memberships' });

    expect(row).toMatchObject({ kind: 'percent', percent_off: percentOff, amount_off_fen: null, threshold_fen: null, scope: 'memberships' });
    expect(testid((await admin.agent.get(`/admin/coupons/${id}`)).text, 'coupon-terms')).toBe(label);
  });

  it('re-renders with 422, each message beside its field and the values as typed, and stores nothing', async () => {
    const before = await count('coupons');
    const bad = await post(admin.agent, '/admin/coupons', couponFields({ name: '满减券 X', kind: 'threshold', amount_off: '200', threshold: '199', valid_from: '2026-12-31', valid_until: '2026-12-01', quantity: '0' }));
    const noCourse = await post(admin.agent, '/admin/coupons', couponFields({ name: 'x', scope: 'courses' }));

    expect(bad.status).toBe(422);
    expect(bad.text).toMatch(/id="e-amount_off">减免金额须小于门槛金额</);
    expect(bad.text).toMatch(/id="e-valid_until">结束日期不能早于开始日期</);
    expect(bad.text).toMatch(/id="e-quantity">发放总量须在 1 到 1000000 之间</);
    expect(inputValue(bad.text, 'name')).toBe('满减券 X');
    expect(inputValue(bad.text, 'threshold')).toBe('199');
    expect(inputValue(bad.text, 'valid_from')).toBe('2026-12-31');
    expect(bad.text).toContain('<option value="threshold" selected>');
    expect(noCourse.status).toBe(422);
    expect(noCourse.text).toMatch(/id="e-name">名称至少 2 个字</);
    expect(noCourse.text).toMatch(/id="e-course_ids">请至少选择一门课程</);
    expect(noCourse.text).toContain('<option value="courses" selected>');
    expect(await count('coupons')).toBe(before);
  });

  it('keeps the ticked courses when the form comes back, and drops an id that is no course', async () => {
    const res = await post(admin.agent, '/admin/coupons', couponFields({ name: '', scope: 'courses', course_ids: [String(go.id), '999999'] }));

    expect(res.status).toBe(422);
    expect(res.text).toContain(`value="${go.id}" checked`);
    expect(res.text).not.toContain(`value="${rust.id}" checked`);
    expect(res.text).not.toContain('999999');
  });

  it('says a taken code beside the code field, whatever its case, and keeps the form', async () => {
    await createCoupon({ name: '第一张', code: 'DUP-1' });
    const before = await count('coupons');

    const res = await post(admin.agent, '/admin/coupons', couponFields({ name: '第二张', code: 'dup-1' }));

    expect(res.status).toBe(422);
    expect(res.text).toMatch(/id="e-code">优惠码 DUP-1 已被使用，请换一个</);
    expect(inputValue(res.text, 'name')).toBe('第二张');
    expect(await count('coupons')).toBe(before);
  });
});

describe('pausing, resuming and ending', () => {
  it('pauses and resumes at once, and ends only after a confirmation; an ended coupon cannot come back', async () => {
    const { id } = await createCoupon({ name: '可暂停的券' });

    const paused = await post(admin.agent, `/admin/coupons/${id}/pause`, { _csrf: admin.csrf });
    const pausedStatus = await couponStatus(id);
    const pausedPage = await admin.agent.get(`/admin/coupons/${id}`);
    await post(admin.agent, `/admin/coupons/${id}/resume`, { _csrf: admin.csrf });
    const resumedStatus = await couponStatus(id);
    const ask = await post(admin.agent, `/admin/coupons/${id}/end`, { _csrf: admin.csrf });
    const askedStatus = await couponStatus(id);
    const ended = await post(admin.agent, `/admin/coupons/${id}/end`, { _csrf: admin.csrf, confirmed: 'yes' });
    const again = await post(admin.agent, `/admin/coupons/${id}/resume`, { _csrf: admin.csrf });
    const afterAgain = await admin.agent.get(`/admin/coupons/${id}`);

    expect([paused.status, paused.headers.location]).toEqual([303, `/admin/coupons/${id}`]);
    expect(pausedStatus).toBe('paused');
    expect(testid(pausedPage.text, 'coupon-status')).toBe('已暂停');
    expect(pausedPage.text).toContain('已暂停「可暂停的券」');
    expect(resumedStatus).toBe('active');
    expect(ask.status).toBe(200);
    expect(testid(ask.text, 'confirm-message')).toBe('结束优惠券「可暂停的券」？结束后学员不能再领取和使用，也不能再恢复。');
    expect(ask.text).toContain('name="confirmed" value="yes"');
    expect(askedStatus).toBe('active');
    expect(ended.status).toBe(303);
    expect(await couponStatus(id)).toBe('ended');
    expect(again.status).toBe(303);
    expect(afterAgain.text).toContain('这张优惠券已结束，不能再改');
    expect(testid(afterAgain.text, 'coupon-status')).toBe('已结束');
    expect(afterAgain.text).not.toContain(`action="/admin/coupons/${id}/resume"`);
  });

  it('answers 404 for a coupon that does not exist', async () => {
    expect((await admin.agent.get('/admin/coupons/999999')).status).toBe(404);
    expect((await post(admin.agent, '/admin/coupons/999999/pause', { _csrf: admin.csrf })).status).toBe(404);
  });
});

describe('giving a coupon to named learners', () => {
  it('gives one copy to each username or id, reports names nobody has, and skips those at their limit', async () => {
    const alice = await createUser(t.db, { username: 'alice_w', passwordHash: 'unused' });
    const bob = await createUser(t.db, { username: 'bob_w', passwordHash: 'unused' });
    const { id } = await createCoupon({ name: '老学员回馈券', per_learner: '1' });

    const first = await post(admin.agent, `/admin/coupons/${id}/grants`, { _csrf: admin.csrf, learners: `ALICE_W\n#${bob.id}, nobody_here  999999` });
    const firstPage = await admin.agent.get(`/admin/coupons/${id}`);
    const second = await post(admin.agent, `/admin/coupons/${id}/grants`, { _csrf: admin.csrf, learners: 'alice_w' });
    const secondPage = await admin.agent.get(`/admin/coupons/${id}`);

    expect([first.status, first.headers.location]).toEqual([303, `/admin/coupons/${id}#grants`]);
    const rows = await t.db('coupon_grants').where({ coupon_id: id }).orderBy('user_id');
    expect(rows.map((r) => [Number(r.user_id), r.source, r.status])).toEqual([
      [alice.id, 'admin', 'available'],
      [bob.id, 'admin', 'available'],
    ]);
    expect((await t.db('coupons').where({ id }).first()).issued_count).toBe(2);
    expect(testid(firstPage.text, 'grants-flash')).toBe('已发给 2 位学员：alice_w、bob_w。找不到这些用户：nobody_here、999999。');
    expect(second.status).toBe(303);
    expect(testid(secondPage.text, 'grants-flash')).toBe('没有发出优惠券。未发给 1 人：alice_w（已领满每人限领张数）。');
    expect(await t.db('coupon_grants').where({ coupon_id: id })).toHaveLength(2);
  });

  it('asks for names when the box is empty, and refuses an ended coupon with its message', async () => {
    const { id } = await createCoupon({ name: '要结束的券' });
    const empty = await post(admin.agent, `/admin/coupons/${id}/grants`, { _csrf: admin.csrf, learners: ' \n ' });
    const emptyPage = await admin.agent.get(`/admin/coupons/${id}`);
    await post(admin.agent, `/admin/coupons/${id}/end`, { _csrf: admin.csrf, confirmed: 'yes' });

    const ended = await post(admin.agent, `/admin/coupons/${id}/grants`, { _csrf: admin.csrf, learners: learner.user.username });
    const endedPage = await admin.agent.get(`/admin/coupons/${id}`);

    expect(empty.status).toBe(303);
    expect(testid(emptyPage.text, 'grants-flash')).toBe('请填写学员的用户名或用户 ID');
    expect(ended.status).toBe(303);
    expect(testid(endedPage.text, 'grants-flash')).toBe('这张优惠券的活动已结束');
    expect(await t.db('coupon_grants').where({ coupon_id: id })).toHaveLength(0);
  });

  it('splits a pasted list on new lines, commas, 顿号 and spaces, once per name', () => {
    expect(splitLearners(' alice\r\nbob，carol、dave  alice;#12 ')).toEqual(['alice', 'bob', 'carol', 'dave', '#12']);
  });
});

describe('the coupon list', () => {
  it('shows each coupon’s copies claimed, reserved by an open order, used and refunded in their own columns', async () => {
    const { id } = await createCoupon({ name: '统计券', code: 'COUNTS', quantity: '10', valid_until: '2026-12-31' });
    const people = await Promise.all([1, 2, 3, 4].map(() => createUser(t.db, { passwordHash: 'unused' })));
    await post(admin.agent, `/admin/coupons/${id}/grants`, { _csrf: admin.csrf, learners: people.map((p) => p.username).join('\n') });
    for (const [person, status] of [[people[0]!, 'reserved'], [people[1]!, 'used'], [people[2]!, 'refunded']] as const) {
      await t.db('coupon_grants').where({ coupon_id: id, user_id: person.id }).update({ status });
    }

    const res = await admin.agent.get('/admin/coupons');

    expect(res.status).toBe(200);
    const row = new RegExp(`data-testid="coupon-row-${id}"[\\s\\S]*?</tr>`).exec(res.text)?.[0] ?? '';
    expect(row).toContain('统计券');
    expect(row).toContain('COUNTS');
    expect(row).toContain('立减 ¥20');
    expect(row).toContain('全部课程可用');
    expect(row).toContain('有效期至 2026-12-31');
    expect(testid(row, 'coupon-status')).toBe('进行中');
    expect([testid(row, 'coupon-claimed'), testid(row, 'coupon-reserved'), testid(row, 'coupon-used'), testid(row, 'coupon-refunded')]).toEqual(['4', '1', '1', '1']);
    expect(res.text).toContain('href="/admin/coupons/new"');
    const page = await admin.agent.get(`/admin/coupons/${id}`);
    expect([testid(page.text, 'count-claimed'), testid(page.text, 'count-left'), testid(page.text, 'count-reserved'), testid(page.text, 'count-used'), testid(page.text, 'count-refunded')]).toEqual(['4', '6', '1', '1', '1']);
  });

  it('is linked from the course list, next to 推荐管理', async () => {
    const res = await admin.agent.get('/admin/courses');

    expect(res.text).toContain('href="/admin/coupons">优惠券</a>');
    expect(res.text).toContain('href="/admin/memberships">会员</a>');
  });
});

describe('membership plans', () => {
  const planFields = (overrides: Fields = {}): Fields => ({ _csrf: admin.csrf, name: '前端专栏年卡', description: '一年内学完专栏', price: '199', period_days: '365', scope: 'courses', course_ids: [String(go.id)], ...overrides });

  it('creates a plan on sale in fen with its courses, and edits its price, length, courses and status', async () => {
    const created = await post(admin.agent, '/admin/memberships', planFields({ status: 'archived' }));
    const plan = await t.db('membership_plans').where({ name: '前端专栏年卡' }).first();
    const form = await admin.agent.get(`/admin/memberships/${plan.id}/edit`);

    const edited = await post(admin.agent, `/admin/memberships/${plan.id}`, planFields({ name: '专栏季卡', price: '69.90', period_days: '90', course_ids: [String(go.id), String(rust.id)], status: 'archived' }));

    expect([created.status, created.headers.location]).toEqual([303, '/admin/memberships']);
    expect(plan).toMatchObject({ price_fen: 19900, period_days: 365, scope: 'courses', status: 'active', description: '一年内学完专栏' });
    expect(form.status).toBe(200);
    expect(inputValue(form.text, 'price')).toBe('199.00');
    expect(form.text).toContain('<option value="365" selected>');
    expect(form.text).toContain(`value="${go.id}" checked`);
    expect(form.text).toContain('修改价格和天数只影响之后的购买');
    expect(edited.status).toBe(303);
    expect(await t.db('membership_plans').where({ id: plan.id }).first()).toMatchObject({ name: '专栏季卡', price_fen: 6990, period_days: 90, status: 'archived' });
    expect((await t.db('membership_plan_courses').where({ plan_id: plan.id })).map((r) => Number(r.course_id)).sort((a, b) => a - b)).toEqual([go.id, rust.id].sort((a, b) => a - b));
    const list = await admin.agent.get('/admin/memberships');
    expect(list.text).toContain('「专栏季卡」已停售');
    expect(new RegExp(`data-testid="plan-${plan.id}"[\\s\\S]*?</li>`).exec(list.text)?.[0]).toContain('停售');
  });

  it('re-renders a bad plan with 422 and its messages, keeping what was typed', async () => {
    const before = await count('membership_plans');
    const res = await post(admin.agent, '/admin/memberships', planFields({ name: '月卡', price: '九十九', period_days: '45', course_ids: [] }));

    expect(res.status).toBe(422);
    expect(res.text).toMatch(/id="e-price">价格请填写金额，如 20 或 19.90</);
    expect(res.text).toMatch(/id="e-period_days">请选择 30、90 或 365 天</);
    expect(inputValue(res.text, 'price')).toBe('九十九');
    // The courses are checked once the fields themselves are right.
    const noCourse = await post(admin.agent, '/admin/memberships', planFields({ name: '月卡', course_ids: [] }));
    expect(noCourse.status).toBe(422);
    expect(noCourse.text).toMatch(/id="e-course_ids">请至少选择一门课程</);
    expect(inputValue(noCourse.text, 'name')).toBe('月卡');
    expect(await count('membership_plans')).toBe(before);
  });

  it('answers 404 for a plan that does not exist', async () => {
    expect((await admin.agent.get('/admin/memberships/999999/edit')).status).toBe(404);
  });
});

describe('the members report', () => {
  it('counts active members per plan, lists those ending within 7 days, and shows churn per Beijing month', async () => {
    await post(admin.agent, '/admin/memberships', { _csrf: admin.csrf, name: '全站月卡', description: '', price: '39', period_days: '30', scope: 'all' });
    const plan = await t.db('membership_plans').where({ name: '全站月卡' }).first();
    const now = t.clock.now();
    // The previous Beijing month, worked out here rather than with the app's helper.
    const [y, m] = new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 7).split('-').map(Number) as [number, number];
    const prevStart = new Date(Date.UTC(y, m - 2, 1) - 8 * 3600_000);
    const label = (d: Date) => new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 7);
    const staying = await createUser(t.db, { username: 'staying_m', passwordHash: 'unused' });
    const ending = await createUser(t.db, { username: 'ending_m', passwordHash: 'unused' });
    const lapsed = await createUser(t.db, { username: 'lapsed_m', passwordHash: 'unused' });
    await t.db('users').where({ id: ending.id }).update({ nickname: '快到期的小明' });
    const endsSoon = new Date(now.getTime() + 3 * DAY);
    const period = (userId: number, endsAt: Date) => ({ user_id: userId, plan_id: plan.id, source: 'order', order_id: null, starts_at: new Date(prevStart.getTime() - 20 * DAY), ends_at: endsAt, ended_at: null, created_at: now });
    await t.db('memberships').insert([period(staying.id, new Date(now.getTime() + 30 * DAY)), period(ending.id, endsSoon), period(lapsed.id, new Date(prevStart.getTime() + 5 * DAY))]);

    const res = await admin.agent.get('/admin/memberships');

    expect(res.status).toBe(200);
    expect(new RegExp(`data-testid="plan-${plan.id}"[\\s\\S]*?</li>`).exec(res.text)?.[0]).toContain('会员 <strong>2</strong> 人');
    const expiring = /data-testid="expiring">([\s\S]*?)<\/ul>/.exec(res.text)?.[1] ?? '';
    const lastDay = new Date(endsSoon.getTime() - 1 + 8 * 3600_000).toISOString().slice(0, 10);
    expect(expiring).toContain('快到期的小明');
    expect(expiring).toContain('@ending_m');
    expect(expiring).toContain(`全站月卡 · 到期日 ${lastDay}`);
    expect(expiring).not.toContain('staying_m');
    const churnRow = (d: Date) => new RegExp(`data-testid="churn-${label(d)}">([\\s\\S]*?)</tr>`).exec(res.text)?.[1]?.replace(/<[^>]+>/g, '|').replace(/\|+/g, '|');
    expect(churnRow(prevStart)).toBe(`|${label(prevStart)}|3|1|33.3%|`);
    expect(churnRow(now)).toBe(`|${label(now)}|2|0|0%|`);
    expect(churnRow(new Date(Date.UTC(y, m - 6, 1)))).toBe(`|${label(new Date(Date.UTC(y, m - 6, 1)))}|0|0|—|`);
    expect(res.text).toContain('委托代扣');
  });

  it('reports six Beijing months, oldest first, each from its first Beijing midnight', () => {
    // 2027-01-01 00:30 in Beijing is still 2026-12-31 in UTC.
    const months = beijingMonths(new Date('2026-12-31T16:30:00.000Z'), 6);

    expect(months.map((x) => x.label)).toEqual(['2026-08', '2026-09', '2026-10', '2026-11', '2026-12', '2027-01']);
    expect(months[5]!.start.toISOString()).toBe('2026-12-31T16:00:00.000Z');
    expect(months[5]!.end.toISOString()).toBe('2027-01-31T16:00:00.000Z');
    expect(months[0]!.start.toISOString()).toBe('2026-07-31T16:00:00.000Z');
    expect(months[0]!.end.toISOString()).toBe(months[1]!.start.toISOString());
  });
});
