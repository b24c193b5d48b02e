/**
 * The soak's closing checks, read straight from the app's MariaDB and the sandbox's SQLite file (the
 * two sides' own records, not what either said over HTTP). Each check gives a count of what it
 * looked at and the violations it found, with a few examples.
 */
import type { Knex } from 'knex';

type Row = Record<string, unknown>;

export interface Check {
  name: string;
  /** What was looked at: "1180 paid orders". */
  counted: number;
  violations: number;
  examples: string[];
}

function check(name: string): Check & { fail(example: string): void } {
  const c: Check = { name, counted: 0, violations: 0, examples: [] };
  return Object.assign(c, {
    fail(example: string) {
      c.violations += 1;
      if (c.examples.length < 5) c.examples.push(example);
    },
  });
}

const PAID_STATES = ['paid', 'refunding', 'refunded'];
const UNPAID_STATES = ['pending', 'closed', 'failed'];

export interface Ledger {
  orders: Row[];
  grants: Row[];
  refunds: Row[];
  notificationsSeen: Set<string>;
  events: Row[];
}

export async function readApp(db: Knex, courseIds: number[]): Promise<Ledger> {
  const orders = (await db('orders').whereIn('course_id', courseIds).select()) as Row[];
  const grants = (await db('access_grants').whereIn('course_id', courseIds).select()) as Row[];
  const refunds = (await db('refunds').select()) as Row[];
  const notificationsSeen = new Set(((await db('payment_notifications').whereNotNull('notification_id').select('notification_id')) as Row[]).map((r) => String(r.notification_id)));
  const events = (await db('analytics_events').whereIn('type', ['order_created', 'order_paid', 'refund']).select('type', 'order_id')) as Row[];
  return { orders, grants, refunds, notificationsSeen, events };
}

export interface WechatSide {
  transactions: Row[];
  refunds: Row[];
  notifications: Row[];
}

export async function readSandbox(db: Knex): Promise<WechatSide> {
  return {
    transactions: (await db('sandbox_wechatpay_transactions').select()) as Row[],
    refunds: (await db('sandbox_wechatpay_refunds').select()) as Row[],
    notifications: (await db('sandbox_wechatpay_notifications').select('event_id', 'event_type', 'out_trade_no', 'out_refund_no', 'status', 'attempts', 'probe_http_status', 'duplicates', 'sign_probe')) as Row[],
  };
}

const key = (r: Row, col: string) => String(r[col]);
function groupBy(rows: Row[], col: string): Map<string, Row[]> {
  const m = new Map<string, Row[]>();
  for (const r of rows) m.set(key(r, col), [...(m.get(key(r, col)) ?? []), r]);
  return m;
}

/** A first payment: paid, and neither a second payment nor one WeChat reported already refunded. */
const firstPayment = (o: Row) => PAID_STATES.includes(String(o.status)) && (o.flag === null || o.flag === undefined);

export function accessChecks(app: Ledger): Check[] {
  const grantsOf = groupBy(app.grants.filter((g) => g.order_id !== null), 'order_id');
  const live = (orderId: unknown) => (grantsOf.get(String(orderId)) ?? []).filter((g) => g.revoked_at === null);

  const paid = check('every paid order has exactly one live purchase source');
  for (const o of app.orders.filter((x) => ['paid', 'refunding'].includes(String(x.status)))) {
    paid.counted += 1;
    const want = firstPayment(o) ? 1 : 0;
    const n = live(o.id).length;
    if (n !== want) paid.fail(`${String(o.out_trade_no)} (${String(o.status)}${o.flag ? `, ${String(o.flag)}` : ''}) has ${n} live purchase grants, expected ${want}`);
  }

  const unpaid = check('no unpaid order has a purchase source');
  for (const o of app.orders.filter((x) => UNPAID_STATES.includes(String(x.status)))) {
    unpaid.counted += 1;
    const n = (grantsOf.get(String(o.id)) ?? []).length;
    if (n > 0) unpaid.fail(`${String(o.out_trade_no)} (${String(o.status)}) has ${n} purchase grants`);
  }

  const refunded = check('every settled refund ended exactly its order’s access');
  const ordersById = new Map(app.orders.map((o) => [String(o.id), o]));
  const settled = groupBy(app.refunds.filter((r) => r.status === 'succeeded' && ordersById.has(String(r.order_id))), 'order_id');
  for (const [orderId, list] of settled) {
    const o = ordersById.get(orderId)!;
    refunded.counted += list.length;
    const sum = list.reduce((s, r) => s + Number(r.amount_fen), 0);
    if (sum !== Number(o.refunded_fen)) refunded.fail(`${String(o.out_trade_no)}: settled refunds add up to ${sum} fen, the order says ${String(o.refunded_fen)}`);
    const full = sum >= Number(o.amount_fen);
    if (full && o.status !== 'refunded') refunded.fail(`${String(o.out_trade_no)} is fully refunded but ${String(o.status)}`);
    if (full && live(o.id).length > 0) refunded.fail(`${String(o.out_trade_no)} is fully refunded and still gives access`);
    if (!full && firstPayment(o) && live(o.id).length !== 1) refunded.fail(`${String(o.out_trade_no)} is partly refunded and lost its access`);
  }
  // The other direction: access that ended by refund belongs to a fully refunded order, and nothing else ended.
  for (const g of app.grants.filter((x) => x.revoked_at !== null)) {
    const o = ordersById.get(String(g.order_id));
    if (!o || o.status !== 'refunded') refunded.fail(`grant ${String(g.id)} (${String(g.source_key)}) ended (${String(g.revoked_reason)}) but its order is ${o ? String(o.status) : 'missing'}`);
  }
  return [paid, unpaid, refunded];
}

/** What WeChat (the sandbox) holds against what the app holds: payments, refunds, notifications. */
export function ledgerChecks(app: Ledger, wechat: WechatSide): Check[] {
  const orders = new Map(app.orders.map((o) => [String(o.out_trade_no), o]));
  const payments = check('every payment WeChat took is recorded');
  for (const t of wechat.transactions) {
    const o = orders.get(String(t.out_trade_no));
    if (!o) continue; // not one of the soak's courses
    payments.counted += 1;
    const took = t.trade_state === 'SUCCESS' || t.trade_state === 'REFUND';
    const recorded = PAID_STATES.includes(String(o.status));
    if (took && !recorded) payments.fail(`${String(t.out_trade_no)}: WeChat ${String(t.trade_state)}, the app ${String(o.status)}`);
    if (took && recorded && String(o.transaction_id) !== String(t.transaction_id)) payments.fail(`${String(t.out_trade_no)}: transaction ${String(t.transaction_id)} at WeChat, ${String(o.transaction_id)} in the app`);
    if (!took && recorded) payments.fail(`${String(t.out_trade_no)}: the app says ${String(o.status)}, WeChat ${String(t.trade_state)}`);
    if (Number(t.refunded_fen) !== Number(o.refunded_fen)) payments.fail(`${String(t.out_trade_no)}: WeChat refunded ${String(t.refunded_fen)} fen, the app ${String(o.refunded_fen)}`);
  }
  const open = check('no order or refund left open');
  for (const o of app.orders) {
    open.counted += 1;
    if (o.status === 'pending' || o.status === 'refunding') open.fail(`${String(o.out_trade_no)} still ${String(o.status)}`);
  }
  const appRefunds = new Map(app.refunds.map((r) => [String(r.out_refund_no), r]));
  for (const r of app.refunds) if (r.status === 'pending' || r.status === 'processing') open.fail(`refund ${String(r.out_refund_no)} still ${String(r.status)}`);

  const refunds = check('every refund WeChat settled is recorded');
  for (const r of wechat.refunds) {
    if (!orders.has(String(r.out_trade_no))) continue;
    refunds.counted += 1;
    const mine = appRefunds.get(String(r.out_refund_no));
    if (r.status === 'SUCCESS' && mine?.status !== 'succeeded') refunds.fail(`refund ${String(r.out_refund_no)} of ${String(r.out_trade_no)}: WeChat SUCCESS, the app ${mine ? String(mine.status) : 'has no row'}`);
    if (mine && Number(mine.amount_fen) !== Number(r.refund_fen)) refunds.fail(`refund ${String(r.out_refund_no)}: ${String(r.refund_fen)} fen at WeChat, ${String(mine.amount_fen)} in the app`);
  }
  const wechatRefunds = new Set(wechat.refunds.map((r) => String(r.out_refund_no)));
  for (const r of app.refunds) if (r.status === 'succeeded' && !wechatRefunds.has(String(r.out_refund_no))) refunds.fail(`refund ${String(r.out_refund_no)} succeeded in the app, unknown at WeChat`);

  const delivered = check('every notification WeChat delivered was applied');
  for (const n of wechat.notifications) {
    if (!orders.has(String(n.out_trade_no))) continue;
    delivered.counted += 1;
    if (n.status !== 'delivered') {
      delivered.fail(`${String(n.event_type)} for ${String(n.out_trade_no)} is ${String(n.status)} after ${String(n.attempts)} attempts`);
      continue;
    }
    if (!app.notificationsSeen.has(String(n.event_id))) delivered.fail(`${String(n.event_type)} ${String(n.event_id)} delivered but not in payment_notifications`);
    if (n.event_type === 'TRANSACTION.SUCCESS' && !PAID_STATES.includes(String(orders.get(String(n.out_trade_no))!.status))) delivered.fail(`TRANSACTION.SUCCESS for ${String(n.out_trade_no)} delivered, the order is ${String(orders.get(String(n.out_trade_no))!.status)}`);
    if (n.event_type === 'REFUND.SUCCESS' && appRefunds.get(String(n.out_refund_no))?.status !== 'succeeded') delivered.fail(`REFUND.SUCCESS for ${String(n.out_refund_no)} delivered, the refund is ${appRefunds.get(String(n.out_refund_no))?.status ?? 'missing'}`);
    if (n.sign_probe && n.probe_http_status !== null && Number(n.probe_http_status) < 400) delivered.fail(`the sign probe for ${String(n.out_trade_no)} was accepted (${String(n.probe_http_status)})`);
  }
  return [payments, refunds, delivered, open];
}

/**
 * Analytics' record of money: one order_paid per first payment, one refund event per settled
 * refund (order_paid is not sent for a second payment, nor for one WeChat reported refunded).
 */
export function eventChecks(app: Ledger, told: Set<string>): { money: Check; created: Check } {
  const byOrder = new Map<string, { created: number; paid: number; refund: number }>();
  for (const e of app.events) {
    const c = byOrder.get(String(e.order_id)) ?? { created: 0, paid: 0, refund: 0 };
    if (e.type === 'order_created') c.created += 1;
    else if (e.type === 'order_paid') c.paid += 1;
    else c.refund += 1;
    byOrder.set(String(e.order_id), c);
  }
  const settledBy = groupBy(app.refunds.filter((r) => r.status === 'succeeded'), 'order_id');
  const money = check('one order_paid event per first payment, one refund event per settled refund');
  // A checkout whose request died (the database went away mid-way) made an order nobody was shown: no event is owed.
  const created = check('an order_created event for every order a learner was sent to');
  for (const o of app.orders) {
    const c = byOrder.get(String(o.id)) ?? { created: 0, paid: 0, refund: 0 };
    const wantPaid = firstPayment(o) ? 1 : 0;
    const wantRefund = (settledBy.get(String(o.id)) ?? []).length;
    money.counted += wantPaid + wantRefund;
    if (c.paid !== wantPaid) money.fail(`${String(o.out_trade_no)}: ${c.paid} order_paid events, expected ${wantPaid}`);
    if (c.refund !== wantRefund) money.fail(`${String(o.out_trade_no)}: ${c.refund} refund events, expected ${wantRefund}`);
    if (!told.has(String(o.out_trade_no))) continue;
    created.counted += 1;
    if (c.created === 0) created.fail(`${String(o.out_trade_no)} has no order_created event`);
  }
  return { money, created };
}
