// Memberships for tests: plans written as the admin form would leave them, and plans bought the way a
// learner buys them (the 会员 page's form, the real checkout, the WeChat Pay sandbox, its notification).
import type { Knex } from 'knex';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { fixedClock } from '../../src/platform/clock.js';
import { startListeningApp, type ListeningApp } from './listening-app.js';
import { csrfFrom } from './forms.js';
import { orderRow, outTradeNoOf, payAtSandbox, tick, type Agent } from './wechat-pay.js';

let seq = 0;

export interface PlanRow {
  id: number;
  name: string;
  priceFen: number;
  periodDays: number;
}

/**
 * For a test file about memberships: the listening app on a clock the tests move, set back to real
 * time before each test (wechatpay-node-v3 stamps the requests it signs with the real time, which the
 * sandbox checks against this clock, ±300 s, so a purchase happens at real time and only then is the
 * clock moved to later days), with sessions that live long enough to survive the jumps.
 */
export function membershipApp(): { readonly clock: ReturnType<typeof fixedClock>; readonly t: ListeningApp } {
  const clock = fixedClock(new Date());
  let t: ListeningApp | undefined;
  beforeAll(async () => {
    t = await startListeningApp({ SESSION_MAX_AGE_HOURS: String(24 * 1000) }, { clock });
  });
  beforeEach(() => clock.set(new Date()));
  afterAll(async () => t?.close());
  return {
    clock,
    get t() {
      return t!;
    },
  };
}

/** A membership plan (on sale unless `status` says otherwise); a `courses` plan opens `courseIds` only. */
export async function createPlan(
  db: Knex,
  p: { name?: string; priceFen?: number; periodDays?: number; scope?: 'all' | 'courses'; courseIds?: number[]; status?: 'active' | 'archived' } = {},
): Promise<PlanRow> {
  const now = new Date();
  const name = p.name ?? `会员方案${++seq}`;
  const priceFen = p.priceFen ?? 19_900;
  const periodDays = p.periodDays ?? 30;
  const scope = p.scope ?? 'all';
  const [id] = await db('membership_plans').insert({ name, description: `${name}的介绍`, price_fen: priceFen, period_days: periodDays, scope, status: p.status ?? 'active', created_at: now, updated_at: now });
  if (scope === 'courses' && p.courseIds?.length) await db('membership_plan_courses').insert(p.courseIds.map((courseId) => ({ plan_id: Number(id), course_id: courseId })));
  return { id: Number(id), name, priceFen, periodDays };
}

/** Presses 开通/续费 on the 会员 page, as the browser would: its CSRF token, its plan_id, plus `extra`. */
export async function buyPlan(agent: Agent, planId: number, extra: Record<string, string> = {}, userAgent?: string) {
  const page = await agent.get('/membership');
  if (page.status !== 200) throw new Error(`/membership answered ${page.status}`);
  let req = agent.post('/orders').type('form');
  if (userAgent) req = req.set('User-Agent', userAgent);
  return req.send({ _csrf: csrfFrom(page.text), plan_id: String(planId), ...extra });
}

export interface MembershipRow {
  id: number;
  user_id: number;
  plan_id: number;
  order_id: number | null;
  starts_at: Date;
  ends_at: Date;
  ended_at: Date | null;
  ended_reason: string | null;
}

const asDate = (v: unknown): Date => (v instanceof Date ? v : new Date(typeof v === 'string' && !/^\d+$/.test(v) ? v : Number(v)));
const asDateOrNull = (v: unknown): Date | null => (v === null || v === undefined ? null : asDate(v));

/** The learner's membership periods, oldest first, with times as Dates on either dialect. */
export async function periodsOf(db: Knex, userId: number): Promise<MembershipRow[]> {
  const rows: Record<string, unknown>[] = await db('memberships').where({ user_id: userId }).orderBy('id');
  return rows.map((r) => ({
    id: Number(r.id),
    user_id: Number(r.user_id),
    plan_id: Number(r.plan_id),
    order_id: r.order_id === null ? null : Number(r.order_id),
    starts_at: asDate(r.starts_at),
    ends_at: asDate(r.ends_at),
    ended_at: asDateOrNull(r.ended_at),
    ended_reason: (r.ended_reason as string | null) ?? null,
  }));
}

export { asDate };

/** Buys the plan through checkout and pays it at the sandbox; the notification is delivered and answered. */
export async function paidPlan(t: Pick<ListeningApp, 'baseUrl' | 'db'>, agent: Agent, planId: number) {
  const res = await buyPlan(agent, planId);
  if (res.status !== 303) throw new Error(`plan checkout answered ${res.status}: ${res.text.slice(0, 300)}`);
  const no = outTradeNoOf(res.headers.location);
  await payAtSandbox(t, no);
  await tick(t);
  const order = await orderRow(t.db, no);
  if (order?.status !== 'paid') throw new Error(`plan purchase did not complete: ${String(order?.status)}`);
  return { no, order, paidAt: asDate(order.paid_at) };
}

/** A WeChat user the Official Account sandbox knows (a follower template messages can reach). */
export async function sandboxFollower(t: Pick<ListeningApp, 'baseUrl'>, nickname: string): Promise<string> {
  const res = await fetch(`${t.baseUrl}/__sandbox/wechat/sandbox/users`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ nickname }) });
  if (res.status !== 201) throw new Error(`sandbox user not created: ${res.status}`);
  return ((await res.json()) as { openid: string }).openid;
}

const DAY_MS = 86_400_000;
const BEIJING_OFFSET_MS = 8 * 3_600_000;

/** Whether `d` is a midnight in Beijing (UTC+8 all year). */
export function isBeijingMidnight(d: Date): boolean {
  return (d.getTime() + BEIJING_OFFSET_MS) % DAY_MS === 0;
}

/** The Beijing midnight at or after `d`, computed here independently of the app's helper. */
export function beijingMidnightOnOrAfter(d: Date): Date {
  const [y, m, day] = new Date(d.getTime() + BEIJING_OFFSET_MS).toISOString().slice(0, 10).split('-').map(Number) as [number, number, number];
  const startOfDay = Date.UTC(y, m - 1, day) - BEIJING_OFFSET_MS;
  return new Date(startOfDay === d.getTime() ? startOfDay : startOfDay + DAY_MS);
}

/** The Beijing calendar day `yyyy-mm-dd` of the instant just before `end` (a membership's last day). */
export function lastBeijingDay(end: Date): string {
  return new Date(end.getTime() - 1 + BEIJING_OFFSET_MS).toISOString().slice(0, 10);
}

export { DAY_MS };
