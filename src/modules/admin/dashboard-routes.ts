import { Router, type Request } from 'express';
import type { Clock } from '../../platform/clock.js';
import { ValidationError } from '../../platform/errors.js';
import { formValues } from '../../platform/http/index.js';
import { formatYuan } from '../../platform/money.js';
import { beijingDateTime } from '../../platform/time.js';
import { requireAdmin } from '../accounts/index.js';
import { barChart, FUNNEL_STEPS, parseRange, rowChart, type DashboardReport, type Granularity, type Analytics } from '../analytics/index.js';
import { toCsv } from './csv.js';

const GRANULARITIES: Record<Granularity, string> = { day: '按天', week: '按周', month: '按月' };
const yuan = (fen: number) => formatYuan(fen);
const when = (d: Date | null) => (d ? beijingDateTime(d) : '—');

function readFilter(req: Request, now: Date) {
  const q = formValues(req.query, ['from', 'to', 'by', 'course']);
  const { range, problem } = parseRange(q.from!.trim(), q.to!.trim(), now);
  const by: Granularity = q.by === 'week' || q.by === 'month' ? q.by : 'day';
  const courseId = /^\d{1,9}$/.test(q.course ?? '') ? Number(q.course) : null;
  return { values: { from: range.fromDay, to: range.toDay, by, course: courseId === null ? '' : String(courseId) }, range, problem, by, courseId };
}

/** Every table of the dashboard as rows, once for the page and once for its CSV. */
function tables(r: DashboardReport) {
  return {
    revenue: { title: '收入', header: ['时间', '收款（元）', '退款（元）', '净收入（元）', '支付订单'], rows: r.revenue.map((b) => [b.label, b.grossFen / 100, b.refundFen / 100, b.netFen / 100, b.orders]) },
    funnel: {
      title: '转化漏斗',
      header: ['课程', ...FUNNEL_STEPS],
      rows: [['全部课程（人次）', ...r.funnel.overall], ...r.funnel.perCourse.map((f) => [f.title, ...f.steps])] as (string | number)[][],
    },
    engagement: { title: '课程学习情况', header: ['课程', '学员', '学完', '完课率（%）', '人均学习（分钟）'], rows: r.engagement.map((e) => [e.title, e.learners, e.completed, e.completionRate, e.avgMinutes]) },
    dropoff: { title: '逐课流失', header: ['课时', '打开过', '学完'], rows: (r.dropoff ?? []).map((l, i) => [`${i + 1}. ${l.title}`, l.opened, l.done]) },
    sources: { title: '流量来源', header: ['来源', '访问', '下单', '支付', '净收入（元）'], rows: r.sources.map((s) => [s.label, s.visits, s.orders, s.paid, s.netFen / 100]) },
    sharers: { title: '分享达人', header: ['学员', '带来访客', '带来订单', '其中支付', '净收入（元）'], rows: r.sharers.map((s) => [s.name, s.visitors, s.orders, s.paid, s.netFen / 100]) },
    courses: {
      title: '热门课程',
      header: ['课程', '净收入（元）', '支付订单', '学员', '评分', '评分人数', '新留言'],
      rows: [
        ...r.topCourses.map((c) => [c.title, c.netFen / 100, c.paid, c.learners, c.rating ? Math.round(c.rating.average * 10) / 10 : '', c.rating?.count ?? 0, c.comments]),
        // Memberships buy no one course: their own rows (per plan), so the column still adds up to 净收入.
        ...r.memberships.map((m) => [m.title, m.netFen / 100, m.paid, '', '', '', '']),
      ] as (string | number)[][],
    },
    feedback: { title: '留言与评分', header: ['时间', '留言', '评分'], rows: r.feedback.byBucket.map((b) => [b.label, b.comments, b.ratings]) },
    segments: {
      title: '学员分群',
      header: ['分群', '学员', '最近学习', '学习（分钟）', '完成度（%）', '课程数'],
      rows: r.segments.flatMap((s) => s.members.map((m) => [s.label, m.name, when(m.lastActive), m.minutes, m.completion, m.courses])),
    },
    progress: { title: '学员进度', header: ['学员', '已学完', '课时', '进度（%）', '学习（分钟）', '最近学习', '分群'], rows: r.progressTable.map((p) => [p.name, p.done, p.total, p.percent, p.minutes, when(p.lastActive), p.segment]) },
  };
}

/** /admin/dashboard: the creator's numbers for a Beijing-day range, each table also as CSV. */
export function dashboardRoutes(deps: { analytics: Analytics; clock: Clock }): Router {
  const router = Router();
  router.use('/admin/dashboard', requireAdmin);

  router.get('/admin/dashboard', async (req, res) => {
    const f = readFilter(req, deps.clock.now());
    const r = await deps.analytics.dashboard.report(f.range, { by: f.by, courseId: f.courseId });
    const t = tables(r);
    const qs = new URLSearchParams({ from: f.values.from, to: f.values.to, by: f.by, ...(f.courseId !== null ? { course: String(f.courseId) } : {}) }).toString();
    res.render('admin/dashboard', {
      title: '数据看板',
      values: f.values,
      problem: f.problem,
      granularities: Object.entries(GRANULARITIES).map(([value, label]) => ({ value, label })),
      courses: r.courses,
      totals: { gross: yuan(r.totals.grossFen), refunds: yuan(r.totals.refundFen), net: yuan(r.totals.netFen), discount: r.totals.discountFen > 0 ? yuan(r.totals.discountFen) : null, orders: r.totals.orders, refundsCount: r.totals.refundsCount },
      charts: {
        revenue: barChart(r.revenue.map((b) => ({ label: b.label.slice(5) || b.label, value: b.netFen })), { title: '净收入', format: (n) => `¥${Math.round(n / 100)}` }),
        funnel: rowChart(FUNNEL_STEPS.map((label, i) => ({ label, value: r.funnel.overall[i]! })), { title: '转化漏斗' }),
        sources: rowChart(r.sources.map((s) => ({ label: s.label, value: s.visits })), { title: '访问来源' }),
        dropoff: r.dropoff ? rowChart(r.dropoff.map((l, i) => ({ label: `${i + 1}. ${l.title}`, value: l.opened })), { title: '每课打开人数' }) : null,
      },
      tables: t,
      feedbackTotals: { comments: r.feedback.comments, ratings: r.feedback.ratings },
      segments: r.segments.map((s) => ({ ...s, members: s.members.map((m) => ({ ...m, lastActive: when(m.lastActive) })) })),
      selected: r.selected,
      csv: (table: string) => `/admin/dashboard/export.csv?table=${table}&${qs}`,
    });
  });

  router.get('/admin/dashboard/export.csv', async (req, res) => {
    const f = readFilter(req, deps.clock.now());
    const r = await deps.analytics.dashboard.report(f.range, { by: f.by, courseId: f.courseId });
    const all = tables(r);
    const name = String(req.query.table ?? '');
    if (!Object.hasOwn(all, name)) throw new ValidationError('UNKNOWN_TABLE', `没有这张表：可选 ${Object.keys(all).join('、')}`);
    const table = all[name as keyof typeof all];
    res.type('text/csv; charset=utf-8');
    res.attachment(`zhifu-${name}-${f.values.from}-${f.values.to}.csv`);
    res.send(toCsv(table.header, table.rows));
  });

  return router;
}
