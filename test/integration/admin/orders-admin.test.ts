import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedIn } from '../../support/catalog-factories.js';
import { csrfFrom } from '../../support/forms.js';
import { startListeningApp, type ListeningApp } from '../../support/listening-app.js';
import { buy, orderRow, outTradeNoOf, paidPurchase, settleRefunds, signedInLearner } from '../../support/wechat-pay.js';
import request from 'supertest';

let t: ListeningApp;
let admin: Awaited<ReturnType<typeof signedIn>>;
let adminAgent: ReturnType<typeof request.agent>;
beforeAll(async () => {
  t = await startListeningApp();
  admin = await signedIn(t.app, t.db, 'admin');
  adminAgent = admin.agent as unknown as ReturnType<typeof request.agent>;
});
afterAll(async () => t?.close());

const settle = (outRefundNo: string) => settleRefunds(t, { outRefundNo });

describe('refunding from the admin order page', () => {
  it('asks first, saying how much goes back to whom and that access ends, and only the confirmation refunds', async () => {
    const bought = await paidPurchase(t, 9900);
    await t.db('users').where({ id: bought.user.id }).update({ nickname: '微信小红' });
    const page = await adminAgent.get(`/admin/orders/${bought.no}`);

    const first = await adminAgent.post(`/admin/orders/${bought.no}/refunds`).type('form').send({ _csrf: csrfFrom(page.text), amount: '99', reason: '不想学了' });

    expect(first.status).toBe(200);
    expect(first.text).toContain('退款 ¥99.00 给 微信小红，将收回课程权限');
    expect(first.text).toContain('name="confirmed" value="yes"');
    expect(await t.db('refunds').where({ order_id: bought.order.id })).toHaveLength(0);

    const confirmed = await adminAgent.post(`/admin/orders/${bought.no}/refunds`).type('form').send({ _csrf: csrfFrom(first.text), amount: '99', reason: '不想学了', confirmed: 'yes' });

    expect(confirmed.status).toBe(303);
    expect(await t.db('refunds').where({ order_id: bought.order.id })).toEqual([expect.objectContaining({ amount_fen: 9900, reason: '不想学了' })]);
  });

  it('says a partial refund leaves the learner studying, and shows 未退款 on an order with nothing refunded', async () => {
    const bought = await paidPurchase(t, 9900);
    const page = await adminAgent.get(`/admin/orders/${bought.no}`);

    const ask = await adminAgent.post(`/admin/orders/${bought.no}/refunds`).type('form').send({ _csrf: csrfFrom(page.text), amount: '10', reason: '' });

    expect(page.text).toContain('<dt>已退款</dt><dd>未退款</dd>');
    expect(page.text).not.toContain('免费');
    expect(ask.text).toContain('退款 ¥10.00 给');
    expect(ask.text).toContain('学员仍可继续学习');
  });
});

describe('refund confirmations that cannot mislead', () => {
  it('checks the amount and the order before asking: zero, more than is left, an unpaid order', async () => {
    const bought = await paidPurchase(t, 14900);
    const page = await adminAgent.get(`/admin/orders/${bought.no}`);
    const ask = (amount: string) => adminAgent.post(`/admin/orders/${bought.no}/refunds`).type('form').send({ _csrf: csrfFrom(page.text), amount, reason: '' });
    const learner = await signedInLearner(t);
    const pendingNo = outTradeNoOf((await buy(learner.agent, bought.course)).headers.location);
    const pendingPage = await adminAgent.get(`/admin/orders/${pendingNo}`);

    const zero = await ask('0');
    const tooMuch = await ask('149.01');
    const unpaid = await adminAgent.post(`/admin/orders/${pendingNo}/refunds`).type('form').send({ _csrf: csrfFrom(pendingPage.text), amount: '1', reason: '' });

    expect([zero.status, tooMuch.status, unpaid.status]).toEqual([422, 422, 422]);
    expect(zero.text).toContain('退款金额至少 0.01 元');
    expect(tooMuch.text).toContain('最多可退 149.00 元');
    expect(unpaid.text).toContain('只有已支付的订单可以退款');
    expect(zero.text + tooMuch.text + unpaid.text).not.toContain('name="confirmed"');
  });

  it('refunds once when the same confirmation is submitted twice', async () => {
    const bought = await paidPurchase(t, 9900);
    const page = await adminAgent.get(`/admin/orders/${bought.no}`);
    const ask = await adminAgent.post(`/admin/orders/${bought.no}/refunds`).type('form').send({ _csrf: csrfFrom(page.text), amount: '10', reason: '' });
    const key = /name="request_key" value="([0-9a-f]{32})"/.exec(ask.text)![1]!;
    const confirm = () => adminAgent.post(`/admin/orders/${bought.no}/refunds`).type('form').send({ _csrf: csrfFrom(ask.text), amount: '10', reason: '', request_key: key, confirmed: 'yes' });

    const first = await confirm();
    await settle((await t.db('refunds').where({ order_id: bought.order.id }).first()).out_refund_no);
    const again = await confirm();

    expect(first.status).toBe(303);
    expect(again.status).toBe(422);
    expect(again.text).toContain('已经提交过了，没有重复退款');
    expect(await t.db('refunds').where({ order_id: bought.order.id })).toHaveLength(1);
  });

  it('does not claim a full refund takes the course from a learner who also has an admin grant', async () => {
    const bought = await paidPurchase(t, 9900);
    await t.db('access_grants').insert({ user_id: bought.user.id, course_id: bought.course.id, source: 'admin_grant', source_key: 'admin', granted_at: new Date() });
    const page = await adminAgent.get(`/admin/orders/${bought.no}`);

    const ask = await adminAgent.post(`/admin/orders/${bought.no}/refunds`).type('form').send({ _csrf: csrfFrom(page.text), amount: '99', reason: '' });

    expect(ask.text).toContain('学员还有其他学习权限，不会失去课程');
    expect(ask.text).not.toContain('将收回课程权限');
  });

  it('records the refund in the course history and shows 部分退款 in the order list', async () => {
    const bought = await paidPurchase(t, 9900);
    await settle((await t.payments.refund(admin.user.id, bought.no, 1500, '补偿')).outRefundNo);

    const history = await adminAgent.get(`/admin/courses/${bought.course.id}`);
    const list = await adminAgent.get(`/admin/orders?q=${bought.no}`);

    expect(history.text).toContain(`退款 ¥15.00`);
    expect(list.text).toContain('部分退款');
  });
});

describe('the order list', () => {
  it('filters by status, course, Beijing dates and learner, with totals for the filtered range', async () => {
    const a = await paidPurchase(t, 5000);
    await t.db('users').where({ id: a.user.id }).update({ nickname: '找得到的人' });
    const b = await paidPurchase(t, 7000);
    await settle((await t.payments.refund(admin.user.id, b.no, 2000, '部分')).outRefundNo);
    const pendingBuyer = await signedInLearner(t);
    const pendingNo = outTradeNoOf((await buy(pendingBuyer.agent, a.course)).headers.location);

    const byLearner = await adminAgent.get('/admin/orders?q=找得到');
    const byCourse = await adminAgent.get(`/admin/orders?course=${b.course.id}`);
    const pending = await adminAgent.get('/admin/orders?status=pending');
    const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    const dated = await adminAgent.get(`/admin/orders?from=${today}&to=${today}&course=${b.course.id}`);
    const future = await adminAgent.get('/admin/orders?from=2099-01-01');
    const byNumber = await adminAgent.get(`/admin/orders?q=${pendingNo}`);

    expect(byLearner.text).toContain(a.no);
    expect(byLearner.text).not.toContain(b.no);
    expect(byCourse.text).toContain(b.no);
    expect(byCourse.text).not.toContain(a.no);
    expect(byCourse.text).toMatch(/已收款<\/span><strong>¥70\.00/);
    expect(byCourse.text).toMatch(/已退款<\/span><strong>¥20\.00/);
    expect(byCourse.text).toMatch(/净收入<\/span><strong>¥50\.00/);
    expect(pending.text).toContain(pendingNo);
    expect(pending.text).not.toContain(a.no);
    expect(dated.text).toContain(b.no);
    expect(future.text).toContain('没有符合条件的订单');
    expect(byNumber.text).toContain(pendingNo);
    expect(await orderRow(t.db, pendingNo)).toMatchObject({ status: 'pending' });
  });

  it('pages 20 at a time and reports nonsense filters instead of failing', async () => {
    const many = await paidPurchase(t, 100);
    const rows = Array.from({ length: 25 }, (_, i) => ({ ...many.order, id: undefined, out_trade_no: `PAGE${String(i).padStart(4, '0')}X${Date.now()}`, transaction_id: null, payable_key: null }));
    await t.db('orders').insert(rows);

    const first = await adminAgent.get(`/admin/orders?course=${many.course.id}`);
    const second = await adminAgent.get(`/admin/orders?course=${many.course.id}&page=2`);
    const nonsense = await adminAgent.get('/admin/orders?status=weird&from=yesterday&course=abc&page=-3');
    const pastTheEnd = await adminAgent.get(`/admin/orders?course=${many.course.id}&page=999`);
    const backwards = await adminAgent.get('/admin/orders?from=2026-12-31&to=2026-12-01');
    const impossible = await adminAgent.get('/admin/orders?from=2026-02-30');

    expect(first.text).toContain('第 1 / 2 页');
    expect(first.text).toContain('下一页');
    expect((first.text.match(/data-label="订单"/g) ?? []).length).toBe(20);
    expect((second.text.match(/data-label="订单"/g) ?? []).length).toBe(6);
    expect(nonsense.status).toBe(200);
    expect(nonsense.text).toContain('状态无效');
    expect(nonsense.text).toContain('开始日期格式如 2026-12-01');
    expect(pastTheEnd.text).toContain('第 2 / 2 页');
    expect((pastTheEnd.text.match(/data-label="订单"/g) ?? []).length).toBe(6);
    expect(backwards.text).toContain('开始日期晚于结束日期');
    expect(impossible.text).toContain('开始日期格式如 2026-12-01');
  });

  it('exports the filtered orders as CSV in Beijing time, with formula cells neutralised', async () => {
    const bought = await paidPurchase(t, 3300);
    await t.db('users').where({ id: bought.user.id }).update({ nickname: '=HYPERLINK("http://evil.example")' });

    const csv = await adminAgent.get(`/admin/orders.csv?course=${bought.course.id}`);

    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toMatch(/^attachment; filename="orders-\d{4}-\d{2}-\d{2}\.csv"$/);
    const lines = csv.text.replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines[0]).toBe('"订单号","下单时间（北京时间）","支付时间（北京时间）","课程","学员","金额（元）","已退款（元）","状态","微信支付单号","原价（元）","优惠（元）","优惠券"');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(`"${bought.no}"`);
    expect(lines[1]).toContain(`"'=HYPERLINK(""http://evil.example"")`);
    expect(lines[1]).toContain('"33.00","0.00","已支付"');
  });

  it('is for admins only, CSV included', async () => {
    const learner = await signedInLearner(t);

    expect((await learner.agent.get('/admin/orders')).status).toBe(403);
    expect((await learner.agent.get('/admin/orders.csv')).status).toBe(403);
    expect((await request(t.baseUrl).get('/admin/orders.csv')).status).toBe(303);
  });
});
