// Which fuzz file fuzzes which route, as whom, and with what in its path parameters. Routes come
// from the router (appRoutes), so a new route is fuzzed without anyone listing it; only a new kind
// of path parameter, or a method no group takes, needs an entry here (route-coverage.test.ts says so).
import type { AppRoute } from '../route-list.js';

export type FuzzGroup = 'pages' | 'admin-pages' | 'forms' | 'admin-forms' | 'peers';
export type PersonaName = 'anonymous' | 'learner' | 'admin';

/** The callers that are not browsers: WeChat's servers and the simulators standing in for them. */
const isPeer = (path: string) => path.startsWith('/__sandbox/') || path === '/wechatpay/notify' || path === '/wechat';
const isAdmin = (path: string) => path === '/admin' || path.startsWith('/admin/');

/** Routes the fuzz tests leave alone, each with its reason. Empty today: every route is fuzzed. */
export const NOT_FUZZED: Readonly<Record<string, string>> = {};

export function groupOf(route: AppRoute): FuzzGroup | null {
  if (`${route.method} ${route.path}` in NOT_FUZZED) return null;
  if (isPeer(route.path)) return route.method === 'GET' || route.method === 'POST' ? 'peers' : null;
  if (route.method === 'GET') return isAdmin(route.path) ? 'admin-pages' : 'pages';
  if (route.method === 'POST') return isAdmin(route.path) ? 'admin-forms' : 'forms';
  return null;
}

/** Admin routes as an admin and as a learner (who must be refused); peers anonymously; the rest as a visitor and a learner. */
export function personasFor(route: AppRoute): PersonaName[] {
  if (isPeer(route.path)) return ['anonymous'];
  if (isAdmin(route.path)) return ['admin', 'learner'];
  return ['anonymous', 'learner'];
}

/** What the fixtures of a fuzz app provide for path parameters. */
export interface Fixtures {
  learnerId: number;
  otherLearnerId: number;
  /** A published course the learner owns, a published one they do not, and a draft. */
  courses: Array<{ id: number; slug: string }>;
  lessonIds: number[];
  commentId: number;
  ratingId: number;
  outTradeNo: string;
  payToken: string;
  couponId: number;
  claimToken: string;
  planId: number;
}

/**
 * Valid values for each path parameter, keyed by the segment before it and its name, since `:id`
 * means a comment under /comments and a coupon under /admin/coupons.
 */
export const PARAM_FIXTURES: Readonly<Record<string, (f: Fixtures) => Array<string | number>>> = {
  'courses/:slug': (f) => f.courses.map((c) => c.slug),
  'lessons/:lessonId': (f) => f.lessonIds,
  'comments/:id': (f) => [f.commentId],
  'ratings/:id': (f) => [f.ratingId],
  'orders/:outTradeNo': (f) => [f.outTradeNo],
  'claim/:token': (f) => [f.claimToken],
  'coupons/:id': (f) => [f.couponId],
  'memberships/:id': (f) => [f.planId],
  'courses/:id': (f) => f.courses.map((c) => c.id),
  'feedback/:kind': () => ['comments', 'ratings'],
  ':kind/:id': (f) => [f.commentId, f.ratingId],
  ':id/:action': () => ['approve', 'hide', 'delete'],
  'bans/:userId': (f) => [f.learnerId, f.otherLearnerId],
  'grants/:userId': (f) => [f.learnerId, f.otherLearnerId],
  'recommendations/:courseId': (f) => f.courses.map((c) => c.id),
  'out-trade-no/:no': (f) => [f.outTradeNo],
  'transactions/:outTradeNo': (f) => [f.outTradeNo],
  'id/:transactionId': () => ['4200000000202612010000000000'],
  'refunds/:outRefundNo': () => ['RF202612010000'],
  'pay/:token': (f) => [f.payToken],
};

/** Each path parameter of a route with the key it is looked up by in PARAM_FIXTURES. */
export function paramsOf(path: string): Array<{ name: string; key: string }> {
  const segments = path.split('/');
  return segments.flatMap((s, i) => (s.startsWith(':') ? [{ name: s.slice(1), key: `${segments[i - 1] ?? ''}/${s}` }] : []));
}

export function paramValues(path: string, f: Fixtures): Record<string, string[]> {
  return Object.fromEntries(paramsOf(path).map(({ name, key }) => [name, (PARAM_FIXTURES[key]?.(f) ?? []).map((v) => encodeURIComponent(String(v)))]));
}

/** What a route needs that this file does not have, in words that say what to add and where. */
export function gapsOf(route: AppRoute): string[] {
  const gaps: string[] = [];
  if (groupOf(route) === null && !(`${route.method} ${route.path}` in NOT_FUZZED)) {
    gaps.push(`${route.method} ${route.path}: no fuzz group takes ${route.method} routes; extend groupOf() in test/support/fuzz/fuzz-routes.ts or add the route to NOT_FUZZED with a reason`);
  }
  for (const { key } of paramsOf(route.path)) {
    if (!(key in PARAM_FIXTURES)) gaps.push(`${route.method} ${route.path}: add '${key}' to PARAM_FIXTURES in test/support/fuzz/fuzz-routes.ts (a valid value from the fixtures in fuzz-app.ts)`);
  }
  return gaps;
}
