import { describe, expect, it } from 'vitest';
import { createCourseWithLessons } from '../../support/catalog-factories.js';
import { section } from '../../support/html.js';
import { beijingMidnightOnOrAfter, buyPlan, createPlan, DAY_MS, isBeijingMidnight, lastBeijingDay, membershipApp, paidPlan, periodsOf } from '../../support/membership.js';
import { buy, orderRow, outTradeNoOf, payAtSandbox, signedInLearner, tick } from '../../support/wechat-pay.js';

// The app and its WeChat Pay sandbox share a clock the tests move: every purchase happens with the
// clock at real time and only then is it moved to look at later days (see membershipApp).
const ctx = membershipApp();
const { clock } = ctx;

const lessonUrl = (course: { slug: string; lessons: Array<{ id: number }> }) => `/courses/${course.slug}/lessons/${course.lessons[1]!.id}`;
const paidCourse = () => createCourseWithLessons(ctx.t.db, 2, { priceFen: 9900 });

describe('buying a membership plan', () => {
  it('creates a pending order for the plan at its price, with no course and no discount, and adds no period before payment', async () => {
    const plan = await createPlan(ctx.t.db, { priceFen: 19_900, periodDays: 30 });
    const { agent, user } = await signedInLearner(ctx.t);

    const res = await buyPlan(agent, plan.id, { amount_fen: '1', price: '0.01' });

    expect(res.status).toBe(303);
    const no = outTradeNoOf(res.headers.location);
    expect(await orderRow(ctx.t.db, no)).toMatchObject({ user_id: user.id, plan_id: plan.id, course_id: null, amount_fen: 19_900, list_price_fen: 19_900, discount_fen: 0, coupon_id: null, status: 'pending', channel: 'native' });
    expect(await periodsOf(ctx.t.db, user.id)).toEqual([]);
  });

  it('adds one period from the payment to the Beijing midnight at or after 30 days on, once the payment notification arrives', async () => {
    const plan = await createPlan(ctx.t.db, { priceFen: 19_900, periodDays: 30 });
    const { agent, user } = await signedInLearner(ctx.t);
    const no = outTradeNoOf((await buyPlan(agent, plan.id)).headers.location);

    await payAtSandbox(ctx.t, no);
    expect(await periodsOf(ctx.t.db, user.id)).toEqual([]);
    await tick(ctx.t);

    const order = await orderRow(ctx.t.db, no);
    expect(order).toMatchObject({ status: 'paid', flag: null });
    const periods = await periodsOf(ctx.t.db, user.id);
    expect(periods).toHaveLength(1);
    const [p] = periods;
    const paidAt = new Date(order.paid_at);
    expect(p).toMatchObject({ plan_id: plan.id, order_id: order.id, ended_at: null, ended_reason: null });
    expect(p!.starts_at.getTime()).toBe(paidAt.getTime());
    expect(p!.ends_at.getTime()).toBe(beijingMidnightOnOrAfter(new Date(paidAt.getTime() + 30 * DAY_MS)).getTime());
    expect(isBeijingMidnight(p!.ends_at)).toBe(true);
    expect(p!.ends_at.getTime() - p!.starts_at.getTime()).toBeGreaterThanOrEqual(30 * DAY_MS);
    expect(p!.ends_at.getTime() - p!.starts_at.getTime()).toBeLessThan(31 * DAY_MS);
  });

  it('says 会员已开通 on the order page and shows 我的会员 with its last day on the 会员 page', async () => {
    const plan = await createPlan(ctx.t.db, { name: '月度会员', priceFen: 3_000, periodDays: 30 });
    const { agent, user } = await signedInLearner(ctx.t);
    expect((await agent.get('/membership')).text).not.toContain('我的会员');

    const { no } = await paidPlan(ctx.t, agent, plan.id);

    const orderPage = await agent.get(`/orders/${no}`);
    expect(orderPage.status).toBe(200);
    expect(orderPage.text).toContain('会员：月度会员');
    expect(orderPage.text).toContain('支付成功，会员已开通');
    expect(orderPage.text).not.toContain('class="qr"');
    const [p] = await periodsOf(ctx.t.db, user.id);
    const page = await agent.get('/membership');
    expect(page.status).toBe(200);
    const mine = section(page.text, 'data-testid="my-memberships"');
    expect(mine).toContain('我的会员');
    expect(mine).toContain('月度会员');
    expect(mine).toContain(`有效期至 ${lastBeijingDay(p!.ends_at)}`);
    // The plan now offers to renew from that day.
    expect(page.text).toContain(`你的会员有效期至 ${lastBeijingDay(p!.ends_at)}，现在续费从那天起顺延 30 天`);
  });

  it('refuses a plan that is no longer on sale with 404, creating no order', async () => {
    const plan = await createPlan(ctx.t.db, { status: 'archived' });
    const { agent, user } = await signedInLearner(ctx.t);

    const res = await buyPlan(agent, plan.id);

    expect(res.status).toBe(404);
    expect(res.text).toContain('会员方案不存在或已停售');
    expect(await ctx.t.db('orders').where({ user_id: user.id })).toEqual([]);
  });
});

describe('the 会员 page checkout', () => {
  it('reuses the pending plan order when 开通 is pressed again', async () => {
    const plan = await createPlan(ctx.t.db);
    const { agent, user } = await signedInLearner(ctx.t);

    const first = await buyPlan(agent, plan.id);
    const second = await buyPlan(agent, plan.id);

    expect(second.status).toBe(303);
    expect(second.headers.location).toBe(first.headers.location);
    expect(await ctx.t.db('orders').where({ user_id: user.id, plan_id: plan.id })).toHaveLength(1);
  });

  it('re-renders the 会员 page with 422 and the refusal beside the plan for a code that does not exist, creating no order', async () => {
    const plan = await createPlan(ctx.t.db, { name: '带码方案' });
    const { agent, user } = await signedInLearner(ctx.t);

    const res = await buyPlan(agent, plan.id, { coupon_code: 'NOPE' });

    expect(res.status).toBe(422);
    expect(section(res.text, 'data-testid="coupon-error"')).toContain('优惠码 NOPE 不存在');
    expect(res.text).toContain(`id="coupon_code_${plan.id}"`);
    expect(res.text).toMatch(new RegExp(`id="coupon_code_${plan.id}"[^>]*value="NOPE"`));
    expect(await ctx.t.db('orders').where({ user_id: user.id })).toEqual([]);
  });

  it('lists the plan in 我的订单 as a membership', async () => {
    const plan = await createPlan(ctx.t.db, { name: '订单里的会员' });
    const { agent } = await signedInLearner(ctx.t);
    await paidPlan(ctx.t, agent, plan.id);

    const list = await agent.get('/me/orders');

    expect(list.status).toBe(200);
    expect(list.text).toContain('会员：订单里的会员');
  });
});

describe('what a live membership opens', () => {
  it('opens a paid lesson of any published course the member does not own, with an `all` plan', async () => {
    const course = await paidCourse();
    const plan = await createPlan(ctx.t.db, { scope: 'all' });
    const { agent, user } = await signedInLearner(ctx.t);
    expect((await agent.get(lessonUrl(course))).status).toBe(403);

    await paidPlan(ctx.t, agent, plan.id);

    const lesson = await agent.get(lessonUrl(course));
    expect(lesson.status).toBe(200);
    expect(lesson.text).toContain(course.lessons[1]!.bodyMd);
    // A membership opens lessons; it does not make the course owned.
    expect(await ctx.t.db('access_grants').where({ user_id: user.id })).toEqual([]);
  });

  it('opens only the courses of a `courses` plan', async () => {
    const inPlan = await paidCourse();
    const other = await paidCourse();
    const plan = await createPlan(ctx.t.db, { scope: 'courses', courseIds: [inPlan.id] });
    const { agent } = await signedInLearner(ctx.t);

    await paidPlan(ctx.t, agent, plan.id);

    const open = await agent.get(lessonUrl(inPlan));
    const closed = await agent.get(lessonUrl(other));
    expect(open.status).toBe(200);
    expect(open.text).toContain(inPlan.lessons[1]!.bodyMd);
    expect(closed.status).toBe(403);
    expect(closed.text).not.toContain(other.lessons[1]!.bodyMd);
  });

  it('does not open a draft course, nor a course the creator takes down', async () => {
    const draft = await createCourseWithLessons(ctx.t.db, 2, { status: 'draft' });
    const course = await paidCourse();
    const { agent } = await signedInLearner(ctx.t);
    await paidPlan(ctx.t, agent, (await createPlan(ctx.t.db, { scope: 'all' })).id);
    expect((await agent.get(lessonUrl(course))).status).toBe(200);
    expect((await agent.get(`/api/lessons/${course.lessons[1]!.id}/comments`)).status).toBe(200);

    await ctx.t.db('courses').where({ id: course.id }).update({ status: 'draft' });
    const takenDown = await agent.get(lessonUrl(course));
    const neverPublished = await agent.get(lessonUrl(draft));

    expect(takenDown.status).toBe(404);
    expect(takenDown.text).not.toContain(course.lessons[1]!.bodyMd);
    expect(neverPublished.status).toBe(404);
    expect(neverPublished.text).not.toContain(draft.lessons[1]!.bodyMd);
    // The lesson's comments follow the same rule, through the API that does not look the course up by page.
    expect((await agent.get(`/api/lessons/${draft.lessons[1]!.id}/comments`)).status).toBe(403);
    expect((await agent.get(`/api/lessons/${course.lessons[1]!.id}/comments`)).status).toBe(403);
  });

  it('opens the lesson until the last millisecond before ends_at and not at ends_at, with no job run', async () => {
    const course = await paidCourse();
    const { agent, user } = await signedInLearner(ctx.t);
    await paidPlan(ctx.t, agent, (await createPlan(ctx.t.db, { scope: 'all', periodDays: 30 })).id);
    const [p] = await periodsOf(ctx.t.db, user.id);

    clock.set(new Date(p!.ends_at.getTime() - 1));
    const lastMoment = await agent.get(lessonUrl(course));
    clock.set(p!.ends_at);
    const atEnd = await agent.get(lessonUrl(course));

    expect(lastMoment.status).toBe(200);
    expect(lastMoment.text).toContain(course.lessons[1]!.bodyMd);
    expect(atEnd.status).toBe(403);
    expect(atEnd.text).not.toContain(course.lessons[1]!.bodyMd);
    // Nothing was written to end it: the period simply no longer covers now.
    expect((await periodsOf(ctx.t.db, user.id))[0]).toMatchObject({ ended_at: null });
    // 我的会员 no longer lists it either.
    expect((await agent.get('/membership')).text).not.toContain('data-testid="my-memberships"');
  });

  it('leaves a course bought outright open after the membership ends, while the others close', async () => {
    const bought = await paidCourse();
    const viaMembership = await paidCourse();
    const { agent, user } = await signedInLearner(ctx.t);
    await paidPlan(ctx.t, agent, (await createPlan(ctx.t.db, { scope: 'all' })).id);
    const no = outTradeNoOf((await buy(agent, bought)).headers.location);
    await payAtSandbox(ctx.t, no);
    await tick(ctx.t);
    expect(await orderRow(ctx.t.db, no)).toMatchObject({ status: 'paid', course_id: bought.id });
    const [p] = await periodsOf(ctx.t.db, user.id);

    clock.set(new Date(p!.ends_at.getTime() + DAY_MS));

    const own = await agent.get(lessonUrl(bought));
    expect(own.status).toBe(200);
    expect(own.text).toContain(bought.lessons[1]!.bodyMd);
    expect((await agent.get(lessonUrl(viaMembership))).status).toBe(403);
  });

  it('lets a member still buy a course the membership opens, to keep it', async () => {
    const course = await paidCourse();
    const { agent, user } = await signedInLearner(ctx.t);
    await paidPlan(ctx.t, agent, (await createPlan(ctx.t.db, { scope: 'all' })).id);

    const res = await buy(agent, course);

    expect(res.status).toBe(303);
    expect(await orderRow(ctx.t.db, outTradeNoOf(res.headers.location))).toMatchObject({ user_id: user.id, course_id: course.id, plan_id: null, status: 'pending' });
  });
});

describe('buying the same plan again', () => {
  it('before the end adds a period that starts at the previous end, not today, and ends 30 days later at a Beijing midnight', async () => {
    const plan = await createPlan(ctx.t.db, { name: '续费方案', periodDays: 30 });
    const { agent, user } = await signedInLearner(ctx.t);
    await paidPlan(ctx.t, agent, plan.id);

    const second = await paidPlan(ctx.t, agent, plan.id);

    const [first, next] = await periodsOf(ctx.t.db, user.id);
    expect(next).toMatchObject({ plan_id: plan.id, order_id: second.order.id, ended_at: null });
    expect(next!.starts_at.getTime()).toBe(first!.ends_at.getTime());
    expect(next!.starts_at.getTime()).toBeGreaterThan(second.paidAt.getTime() + 29 * DAY_MS);
    expect(next!.ends_at.getTime()).toBe(first!.ends_at.getTime() + 30 * DAY_MS);
    expect(isBeijingMidnight(next!.ends_at)).toBe(true);
    const mine = section((await agent.get('/membership')).text, 'data-testid="my-memberships"');
    expect(mine).toContain(`有效期至 ${lastBeijingDay(next!.ends_at)}`);
    expect(mine).not.toContain(`有效期至 ${lastBeijingDay(first!.ends_at)}`);
  });

  it('after the membership ran out starts the new period at the payment', async () => {
    const plan = await createPlan(ctx.t.db, { periodDays: 30 });
    const { agent, user } = await signedInLearner(ctx.t);
    await paidPlan(ctx.t, agent, plan.id);
    // That period was bought 40 days ago and ended 10 days ago.
    const [old] = await periodsOf(ctx.t.db, user.id);
    const oldEnd = beijingMidnightOnOrAfter(new Date(Date.now() - 10 * DAY_MS));
    await ctx.t.db('memberships').where({ id: old!.id }).update({ starts_at: new Date(oldEnd.getTime() - 30 * DAY_MS), ends_at: oldEnd });

    const again = await paidPlan(ctx.t, agent, plan.id);

    const [, next] = await periodsOf(ctx.t.db, user.id);
    expect(next!.starts_at.getTime()).toBe(again.paidAt.getTime());
    expect(next!.ends_at.getTime()).toBe(beijingMidnightOnOrAfter(new Date(again.paidAt.getTime() + 30 * DAY_MS)).getTime());
  });

  it('of another plan does not extend from the first plan’s end', async () => {
    const monthly = await createPlan(ctx.t.db, { periodDays: 30 });
    const yearly = await createPlan(ctx.t.db, { periodDays: 365, priceFen: 99_900 });
    const { agent, user } = await signedInLearner(ctx.t);
    await paidPlan(ctx.t, agent, monthly.id);

    const bought = await paidPlan(ctx.t, agent, yearly.id);

    const [, year] = await periodsOf(ctx.t.db, user.id);
    expect(year).toMatchObject({ plan_id: yearly.id });
    expect(year!.starts_at.getTime()).toBe(bought.paidAt.getTime());
    expect(year!.ends_at.getTime()).toBe(beijingMidnightOnOrAfter(new Date(bought.paidAt.getTime() + 365 * DAY_MS)).getTime());
  });

  it('adds one period however many copies of the payment notification arrive', async () => {
    const plan = await createPlan(ctx.t.db);
    const { agent, user } = await signedInLearner(ctx.t);
    const no = outTradeNoOf((await buyPlan(agent, plan.id)).headers.location);

    await payAtSandbox(ctx.t, no, { duplicates: 3 });
    await tick(ctx.t);
    await tick(ctx.t);

    expect(await orderRow(ctx.t.db, no)).toMatchObject({ status: 'paid' });
    expect(await periodsOf(ctx.t.db, user.id)).toHaveLength(1);
  });
});
