// Turns the router's route list into concrete requests: every path parameter filled from the
// world's fixtures (right ids, other courses' ids, ids that do not exist), so a route added later
// is crawled without anyone listing it, or fails the scan until its parameter has a fixture.
import type { AppRoute } from '../route-list.js';
import type { World } from './world.js';

/** Routes left out of the scan on purpose, each with its reason. */
export const EXCLUDED: Array<{ prefix: string; reason: string }> = [
  { prefix: '/__sandbox/', reason: "the WeChat Pay and Official Account simulators' own APIs: they stand in for WeChat's servers and hold no course content" },
];

/** POST routes the generic POST pass leaves out, each with its reason. */
export const POST_EXCLUDED: Array<{ path: string; reason: string }> = [
  { path: '/logout', reason: 'ends the session the rest of the scan needs' },
  { path: '/wechat', reason: 'scanned with signed Official Account messages instead' },
  { path: '/wechatpay/notify', reason: 'raw signed WeChat Pay notifications, covered by the payments tests; it answers no content' },
];

export interface PlannedRequest {
  method: string;
  route: string;
  params: Record<string, string>;
  url: string;
}

interface Fixture {
  param: string;
  /** Only for routes under this path (the same name means different things in different places). */
  under?: string;
  values: string[];
}

const MISSING = '999999999';
/** Ids that name nothing, or something of the wrong kind: their pages are the error pages. */
const WRONG = new Set([MISSING, 'abc', 'no-such-course', 'NOSUCHORDER', 'no-such-token']);

export function fixtures(w: World, o: { baseUrl: string; dashboardTables: string[] }): { params: Fixture[]; queries: Record<string, string[]> } {
  const courseIds = [String(w.paid.id), String(w.draft.id), MISSING];
  const lessonIds = [w.lessons.preview, w.lessons.video, w.lessons.audio, w.lessons.link, w.lessons.draftLesson].map((l) => String(l.id)).concat(MISSING, 'abc');
  return {
    params: [
      { param: 'slug', values: [w.paid.slug, w.draft.slug, 'no-such-course'] },
      { param: 'lessonId', values: lessonIds },
      { param: 'id', under: '/comments/', values: [String(w.comments.comment), String(w.comments.reply), String(w.comments.held), String(w.comments.lapsed), MISSING] },
      { param: 'id', under: '/admin/courses/', values: courseIds },
      { param: 'id', under: '/admin/coupons/', values: [String(w.coupon.id), MISSING] },
      { param: 'id', under: '/admin/memberships/', values: [String(w.plan.id), MISSING] },
      { param: 'id', under: '/ratings/', values: [MISSING] },
      { param: 'outTradeNo', values: [w.outTradeNo, 'NOSUCHORDER'] },
      { param: 'token', under: '/coupons/claim/', values: [w.coupon.claimToken, 'no-such-token'] },
      { param: 'userId', values: [MISSING] },
      { param: 'courseId', values: [String(w.paid.id), MISSING] },
      { param: 'id', under: '/admin/feedback/', values: [String(w.comments.held), MISSING] },
      { param: 'kind', under: '/admin/feedback/', values: ['comments', 'ratings'] },
      { param: 'action', under: '/admin/feedback/', values: ['approve'] },
    ],
    // Query strings that change what a page shows.
    queries: {
      '/wechat/jssdk-config': [`?url=${encodeURIComponent(`${o.baseUrl}/courses/${w.paid.slug}/lessons/${w.lessons.video.id}`)}`],
      '/courses/:slug/lessons/:lessonId': ['?comments=newest&cpage=1', '?cpage=2'],
      '/api/lessons/:lessonId/comments': ['?order=newest', '?page=2'],
      '/admin/dashboard/export.csv': o.dashboardTables.map((t) => `?table=${t}`).concat('?table=nope'),
      '/admin/orders': [`?q=${w.outTradeNo}`],
      '/auth/wechat': [`?next=${encodeURIComponent(`/courses/${w.paid.slug}/lessons/${w.lessons.video.id}`)}`],
    },
  };
}

const paramsOf = (path: string) => [...path.matchAll(/:(\w+)/g)].map((m) => m[1]!);

/**
 * Concrete requests for `routes` of `method`; missing fixtures are returned, never skipped. Wrong ids
 * are tried too unless `realIdsOnly`; query strings only with real ids (an error page ignores them).
 */
export function plan(routes: AppRoute[], method: string, f: ReturnType<typeof fixtures>, opts: { realIdsOnly?: boolean } = {}): { requests: PlannedRequest[]; missing: string[] } {
  const requests: PlannedRequest[] = [];
  const missing: string[] = [];
  for (const r of routes) {
    if (r.method !== method || EXCLUDED.some((e) => r.path.startsWith(e.prefix))) continue;
    let combos: Array<Record<string, string>> = [{}];
    for (const name of paramsOf(r.path)) {
      const candidates = f.params.filter((x) => x.param === name && (x.under === undefined || r.path.startsWith(x.under)));
      const best = candidates.sort((a, b) => (b.under?.length ?? -1) - (a.under?.length ?? -1))[0];
      if (!best) {
        missing.push(`${r.method} ${r.path}: no fixture for :${name} (add one to fixtures() in test/support/leak-scan/crawl-plan.ts)`);
        combos = [];
        break;
      }
      const values = opts.realIdsOnly ? best.values.filter((v) => !WRONG.has(v)) : best.values;
      combos = combos.flatMap((c) => values.map((v) => ({ ...c, [name]: v })));
    }
    for (const params of combos) {
      const path = r.path.replace(/:(\w+)/g, (_, n: string) => encodeURIComponent(params[n]!));
      const real = Object.values(params).every((v) => !WRONG.has(v));
      for (const q of ['', ...(real ? (f.queries[r.path] ?? []) : [])]) requests.push({ method, route: r.path, params, url: path + q });
    }
  }
  return { requests, missing };
}
