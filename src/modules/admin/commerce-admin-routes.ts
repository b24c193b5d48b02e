import { Router, type Request, type Response } from 'express';
import type { Clock } from '../../platform/clock.js';
import { AppError } from '../../platform/errors.js';
import { fieldErrors, formValues, idParam, setFlash } from '../../platform/http/index.js';
import { fenToYuanInput, formatYuan } from '../../platform/money.js';
import { beijingDate, beijingDateTime, beijingDayStart } from '../../platform/time.js';
import { requireAdmin, type AccountService } from '../accounts/index.js';
import type { CatalogAdminService } from '../catalog/index.js';
import {
  COUPON_FIELDS,
  COUPON_STATE_LABELS,
  CouponForm,
  couponState,
  PLAN_FIELDS,
  PlanForm,
  couponWindow,
  lastDay,
  scopeLabel,
  termsLabel,
  type Coupon,
  type CouponService,
  type MembershipPlan,
  type MembershipService,
} from '../commerce/index.js';
import { isConfirmed, renderConfirmation } from './confirmation.js';

/** A form as typed, to show it again: strings, and the ticked course ids. */
type FormValues = { [field: string]: string | string[]; course_ids: string[] };
type CourseChoice = { id: string; title: string; draft: boolean };

const KINDS = [
  { value: 'amount', label: '立减' },
  { value: 'threshold', label: '满减' },
  { value: 'percent', label: '折扣' },
];
const COUPON_SCOPES = [
  { value: 'all', label: '全部课程' },
  { value: 'courses', label: '指定课程' },
  { value: 'memberships', label: '会员' },
];
const PLAN_SCOPES = [
  { value: 'all', label: '全部课程' },
  { value: 'courses', label: '指定课程（专栏）' },
];
const PERIODS = [
  { value: '30', label: '30 天' },
  { value: '90', label: '90 天' },
  { value: '365', label: '365 天' },
];
const PLAN_STATUS: Record<MembershipPlan['status'], string> = { active: '在售', archived: '停售' };

/** Each status button: what it does, and what the flash then says. */
const STATUS_ACTIONS = {
  pause: (name: string) => `已暂停「${name}」：学员暂时不能领取或使用，已下单的订单不受影响`,
  resume: (name: string) => `已恢复「${name}」，学员可以继续领取和使用`,
  end: (name: string) => `已结束「${name}」`,
} as const;

/** A paste of one grant: a person can type a few hundred names, not a mailing list. */
const MAX_GRANTS = 200;
/** How many names a flash lists before "等 N 人": it is one line under the form. */
const NAMES_SHOWN = 10;
/** The coupon list shows the newest ones; the counts on a coupon page come from the same window. */
const LIST_LIMIT = 200;
const REPORT_MONTHS = 6;

const id = (raw: unknown) => idParam(raw);
const isClientError = (err: unknown): err is AppError => err instanceof AppError && err.status < 500;

/**
 * Repeated checkboxes arrive as an array, a single one as a string (urlencoded `extended: false`).
 * Only ids of courses that exist are kept: anything else is a tampered form, and an unknown id would
 * otherwise fail the foreign key as a 500.
 */
function courseIdsOf(body: unknown, known: Set<string>): string[] {
  const raw = (body as Record<string, unknown> | undefined)?.course_ids;
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return list.filter((v): v is string => typeof v === 'string' && known.has(v));
}

function courseChoices(courses: Awaited<ReturnType<CatalogAdminService['allCourses']>>): CourseChoice[] {
  return courses.map((c) => ({ id: String(c.id), title: c.title, draft: c.status !== 'published' }));
}

/** 0.125 → 12.5%; no members at the start of a month has no rate. */
const churnRate = (rate: number | null) => (rate === null ? '—' : `${Math.round(rate * 1000) / 10}%`);

/**
 * The last `count` Beijing calendar months up to the current one, oldest first, each from its first
 * Beijing midnight to the next month's.
 */
export function beijingMonths(now: Date, count: number): Array<{ label: string; start: Date; end: Date }> {
  const [year, month] = beijingDate(now).split('-').map(Number) as [number, number];
  const firstOf = (y: number, m: number) => {
    const d = new Date(Date.UTC(y, m - 1, 1));
    return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}-01`;
  };
  return Array.from({ length: count }, (_, i) => {
    const start = firstOf(year, month - (count - 1 - i));
    return { label: start.slice(0, 7), start: beijingDayStart(start), end: beijingDayStart(firstOf(year, month - (count - 1 - i) + 1)) };
  });
}

/** Names, user ids (12 or #12), one per line or separated by commas, 顿号 or spaces. */
export function splitLearners(text: string): string[] {
  return [...new Set(text.split(/[\s,，、;；]+/).map((s) => s.trim()).filter((s) => s !== ''))];
}

const SKIP_REASONS: Record<'limit' | 'sold_out', string> = { limit: '已领满每人限领张数', sold_out: '券已发完' };

/** Coupons and membership plans for the creator. */
export function commerceAdminRoutes(deps: { coupons: CouponService; memberships: MembershipService; catalog: CatalogAdminService; accounts: AccountService; clock: Clock; publicUrl: string }): Router {
  const { coupons, memberships, catalog, accounts } = deps;
  const router = Router();
  router.use(['/admin/coupons', '/admin/memberships'], requireAdmin);

  /** Like the course grant form: an exact username or openid, or an id; never a nickname, so a coupon never goes to the wrong person. */
  async function learnerNamed(text: string) {
    const asId = /^#?(\d{1,9})$/.exec(text);
    if (asId) return accounts.findById(Number(asId[1]));
    const name = text.replace(/^@/, '');
    return (await accounts.findByUsername(name)) ?? (await accounts.findByOpenid(text));
  }

  async function resolveLearners(names: string[]) {
    const found = new Map<number, string>();
    const unknown: string[] = [];
    for (const text of names) {
      const user = await learnerNamed(text);
      if (user) found.set(user.id, user.username ?? user.nickname);
      else unknown.push(text);
    }
    return { found, unknown };
  }

  const listed = (names: string[]) => (names.length > NAMES_SHOWN ? `${names.slice(0, NAMES_SHOWN).join('、')} 等 ${names.length} 人` : names.join('、'));

  // ---- coupons ----

  async function renderCouponForm(res: Response, status: number, values: FormValues, errors: Record<string, string> = {}, formError: string | null = null) {
    res.status(status).render('admin/coupon-form', {
      title: '新建优惠券',
      values,
      errors,
      formError,
      kinds: KINDS,
      scopes: COUPON_SCOPES,
      courses: courseChoices(await catalog.allCourses()),
    });
  }

  async function countsOf(c: Coupon) {
    const row = await coupons.withCounts(c.id);
    return { claimed: row.claimed, reserved: row.reserved, used: row.used, refunded: row.refunded };
  }

  function couponRow(r: Awaited<ReturnType<CouponService['listWithCounts']>>[number]) {
    const c = r.coupon;
    return {
      id: c.id,
      name: c.name,
      code: c.code,
      terms: termsLabel(c),
      scope: scopeLabel(c),
      window: couponWindow(c),
      status: c.status,
      statusLabel: COUPON_STATE_LABELS[couponState(c, deps.clock.now())],
      quantity: c.quantity,
      claimed: r.claimed,
      reserved: r.reserved,
      used: r.used,
      refunded: r.refunded,
    };
  }

  router.get('/admin/coupons', async (_req, res) => {
    const list = await coupons.listWithCounts(LIST_LIMIT);
    res.render('admin/coupons', { title: '优惠券', coupons: list.map(couponRow) });
  });

  router.get('/admin/coupons/new', async (_req, res) => {
    const blank = Object.fromEntries(COUPON_FIELDS.map((f) => [f, ''])) as Record<string, string>;
    await renderCouponForm(res, 200, { ...blank, kind: 'amount', scope: 'all', per_learner: '1', course_ids: [] });
  });

  router.post('/admin/coupons', async (req, res) => {
    const known = new Set((await catalog.allCourses()).map((c) => String(c.id)));
    const values: FormValues = { ...formValues(req.body, COUPON_FIELDS), course_ids: courseIdsOf(req.body, known) };
    const parsed = CouponForm.safeParse(values);
    if (!parsed.success) return renderCouponForm(res, 422, values, fieldErrors(parsed.error));
    try {
      const coupon = await coupons.create(req.currentUser!.id, parsed.data);
      setFlash(req, 'success', `优惠券「${coupon.name}」已创建，把领取链接${coupon.code ? '或优惠码' : ''}发给学员吧`);
      res.redirect(303, `/admin/coupons/${coupon.id}`);
    } catch (err) {
      if (isClientError(err) && err.code === 'COUPON_CODE_TAKEN') return renderCouponForm(res, 422, values, { code: err.message });
      if (isClientError(err)) return renderCouponForm(res, 422, values, {}, err.message);
      throw err;
    }
  });

  router.get('/admin/coupons/:id', async (req, res) => {
    const c = await coupons.byId(id(req.params.id));
    const [counts, courses] = await Promise.all([countsOf(c), c.scope === 'courses' ? catalog.allCourses() : Promise.resolve([])]);
    res.render('admin/coupon', {
      title: c.name,
      coupon: {
        id: c.id,
        name: c.name,
        code: c.code,
        terms: termsLabel(c),
        scope: scopeLabel(c),
        courses: c.courseIds.flatMap((courseId) => courses.filter((x) => x.id === courseId).map((x) => x.title)),
        window: couponWindow(c),
        status: c.status,
        statusLabel: COUPON_STATE_LABELS[couponState(c, deps.clock.now())],
        quantity: c.quantity,
        left: Math.max(0, c.quantity - c.issuedCount),
        perLearner: c.perLearner,
        createdAt: beijingDateTime(c.createdAt),
        claimUrl: `${deps.publicUrl}/coupons/claim/${c.claimToken}`,
      },
      counts,
    });
  });

  for (const action of ['pause', 'resume', 'end'] as const) {
    router.post(`/admin/coupons/:id/${action}`, async (req: Request, res) => {
      const c = await coupons.byId(id(req.params.id));
      if (action === 'end' && !isConfirmed(req)) {
        return renderConfirmation(res, {
          title: '结束优惠券',
          message: `结束优惠券「${c.name}」？结束后学员不能再领取和使用，也不能再恢复。`,
          detail: '已被待支付订单占用的券，订单仍按优惠后的价格支付；已领取未使用的券将失效。',
          action: `/admin/coupons/${c.id}/end`,
          button: '确认结束',
          cancelHref: `/admin/coupons/${c.id}`,
        });
      }
      try {
        await coupons.setStatus(req.currentUser!.id, c.id, action);
        setFlash(req, 'success', STATUS_ACTIONS[action](c.name));
      } catch (err) {
        if (!isClientError(err)) throw err;
        setFlash(req, 'warn', err.message);
      }
      res.redirect(303, `/admin/coupons/${c.id}`);
    });
  }

  router.post('/admin/coupons/:id/grants', async (req, res) => {
    const c = await coupons.byId(id(req.params.id));
    const back = `/admin/coupons/${c.id}#grants`;
    const names = splitLearners(formValues(req.body, ['learners']).learners ?? '');
    if (names.length === 0 || names.length > MAX_GRANTS) {
      setFlash(req, 'warn', names.length === 0 ? '请填写学员的用户名或用户 ID' : `一次最多发给 ${MAX_GRANTS} 人，请分批发放`, 'grants');
      return res.redirect(303, back);
    }
    const { found, unknown } = await resolveLearners(names);
    let result: Awaited<ReturnType<CouponService['grantTo']>> = { granted: [], skipped: [] };
    if (found.size > 0) {
      try {
        result = await coupons.grantTo(req.currentUser!.id, c.id, [...found.keys()]);
      } catch (err) {
        if (!isClientError(err)) throw err;
        setFlash(req, 'warn', err.message, 'grants');
        return res.redirect(303, back);
      }
    }
    const parts: string[] = [];
    if (result.granted.length > 0) parts.push(`已发给 ${result.granted.length} 位学员：${listed(result.granted.map((u) => found.get(u)!))}`);
    else parts.push('没有发出优惠券');
    if (result.skipped.length > 0) parts.push(`未发给 ${result.skipped.length} 人：${listed(result.skipped.map((s) => `${found.get(s.userId)!}（${SKIP_REASONS[s.why]}）`))}`);
    if (unknown.length > 0) parts.push(`找不到这些用户：${listed(unknown)}`);
    const clean = result.skipped.length === 0 && unknown.length === 0 && result.granted.length > 0;
    setFlash(req, clean ? 'success' : 'warn', `${parts.join('。')}。`, 'grants');
    res.redirect(303, back);
  });

  // ---- memberships ----

  router.get('/admin/memberships', async (_req, res) => {
    const [plans, report] = await Promise.all([memberships.plans('all'), memberships.report(beijingMonths(deps.clock.now(), REPORT_MONTHS))]);
    const active = new Map(report.perPlan.map((p) => [p.plan.id, p.active]));
    const people = await Promise.all(report.expiring.map((e) => accounts.currentUser(e.userId)));
    res.render('admin/memberships', {
      title: '会员',
      plans: plans.map((p) => ({
        id: p.id,
        name: p.name,
        price: formatYuan(p.priceFen),
        period: `${p.periodDays} 天`,
        scope: p.scope === 'all' ? '全部课程' : `指定 ${p.courseIds.length} 门课程`,
        status: p.status,
        statusLabel: PLAN_STATUS[p.status],
        active: active.get(p.id) ?? 0,
      })),
      totalActive: report.perPlan.reduce((n, p) => n + p.active, 0),
      expiring: report.expiring.map((e, i) => {
        const u = people[i];
        return { nickname: u?.nickname ?? `用户 #${e.userId}`, username: u?.username ?? null, plan: e.plan.name, until: lastDay(e.endsAt) };
      }),
      churn: [...report.churn].reverse().map((m) => ({ label: m.label, members: m.members, lost: m.lost, rate: churnRate(m.rate) })),
    });
  });

  async function renderPlanForm(res: Response, status: number, plan: MembershipPlan | null, values: FormValues, errors: Record<string, string> = {}, formError: string | null = null) {
    res.status(status).render('admin/plan-form', {
      title: plan ? `编辑：${plan.name}` : '新建会员方案',
      plan: plan && { id: plan.id, name: plan.name },
      values,
      errors,
      formError,
      periods: PERIODS,
      scopes: PLAN_SCOPES,
      courses: courseChoices(await catalog.allCourses()),
      action: plan ? `/admin/memberships/${plan.id}` : '/admin/memberships',
    });
  }

  const planValues = (p: MembershipPlan): FormValues => ({
    name: p.name,
    description: p.description,
    price: fenToYuanInput(p.priceFen),
    period_days: String(p.periodDays),
    scope: p.scope,
    status: p.status,
    course_ids: p.courseIds.map(String),
  });

  /** The plan form's values; a new plan goes on sale, whatever the body says. */
  async function submittedPlan(req: Request, plan: MembershipPlan | null): Promise<FormValues> {
    const known = new Set((await catalog.allCourses()).map((c) => String(c.id)));
    const values: FormValues = { ...formValues(req.body, PLAN_FIELDS), course_ids: courseIdsOf(req.body, known) };
    if (!plan) values.status = 'active';
    return values;
  }

  router.get('/admin/memberships/new', async (_req, res) => {
    await renderPlanForm(res, 200, null, { name: '', description: '', price: '', period_days: '30', scope: 'all', status: 'active', course_ids: [] });
  });

  router.post('/admin/memberships', async (req, res) => {
    const values = await submittedPlan(req, null);
    const parsed = PlanForm.safeParse(values);
    if (!parsed.success) return renderPlanForm(res, 422, null, values, fieldErrors(parsed.error));
    try {
      const plan = await memberships.createPlan(req.currentUser!.id, parsed.data);
      setFlash(req, 'success', `会员方案「${plan.name}」已上架，学员在“会员”页可以购买`);
      res.redirect(303, '/admin/memberships');
    } catch (err) {
      if (isClientError(err)) return renderPlanForm(res, 422, null, values, {}, err.message);
      throw err;
    }
  });

  router.get('/admin/memberships/:id/edit', async (req, res) => {
    const plan = await memberships.plan(id(req.params.id));
    await renderPlanForm(res, 200, plan, planValues(plan));
  });

  router.post('/admin/memberships/:id', async (req, res) => {
    const plan = await memberships.plan(id(req.params.id));
    const values = await submittedPlan(req, plan);
    const parsed = PlanForm.safeParse(values);
    if (!parsed.success) return renderPlanForm(res, 422, plan, values, fieldErrors(parsed.error));
    try {
      const saved = await memberships.updatePlan(req.currentUser!.id, plan.id, parsed.data);
      setFlash(req, 'success', saved.status === 'archived' ? `「${saved.name}」已停售，现有会员到期前照常学习` : `「${saved.name}」已保存`);
      res.redirect(303, '/admin/memberships');
    } catch (err) {
      if (isClientError(err)) return renderPlanForm(res, 422, plan, values, {}, err.message);
      throw err;
    }
  });

  return router;
}
