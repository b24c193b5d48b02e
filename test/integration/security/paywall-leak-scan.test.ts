import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_OA, SANDBOX_OA_ORIGINAL_ID } from '../../../src/modules/sandbox/official-account/index.js';
import { buildSignedRequest, newMsgId, type InboundMessage } from '../../../src/modules/sandbox/official-account/message-client.js';
import { startListeningApp, type ListeningApp } from '../../support/listening-app.js';
import { appRoutes, type AppRoute } from '../../support/route-list.js';
import type { Place } from '../../support/leak-scan/allowed.js';
import { EXCLUDED, fixtures, plan, POST_EXCLUDED, type PlannedRequest } from '../../support/leak-scan/crawl-plan.js';
import { csrfIn, person, send, type Exchange, type Person } from '../../support/leak-scan/http-client.js';
import { createProxyCache } from '../../support/leak-scan/proxy-cache.js';
import { cacheProblems, canariesIn, leaks } from '../../support/leak-scan/scan.js';
import { buildWorld, type World } from '../../support/leak-scan/world.js';

// The paywall leak scan: every route the router serves, crawled as anonymous, a learner without the
// course, its owner, a second buyer, a buyer whose purchase was refunded and an admin, with every
// locked field of a paid course carrying a canary. A canary anywhere but the few places allowed.ts
// lists is a leak; so is a response a shared cache may keep that holds one, or that names its reader.

let t: ListeningApp;
let w: World;
let routes: AppRoute[];
let f: ReturnType<typeof fixtures>;
/** Every exchange of the GET crawl, by person, in crawl order. */
const crawled = new Map<Person['name'], Array<{ req: PlannedRequest; x: Exchange }>>();

const placeOf = (p: Person, r: Pick<PlannedRequest, 'method' | 'route' | 'params'>): Place => ({ person: p.name, method: r.method, route: r.route, params: r.params });

beforeAll(async () => {
  t = await startListeningApp();
  w = await buildWorld(t);
  // Recommendation sections (home, course pages, OA replies) are on, as in production.
  await t.buildRecommendations({ full: true });
  routes = appRoutes(t.app);
  const dashboard = await send(t.baseUrl, w.people.admin, 'GET', '/admin/dashboard');
  const dashboardTables = [...new Set([...dashboard.body.matchAll(/export\.csv\?table=(\w+)/g)].map((m) => m[1]!))];
  f = fixtures(w, { baseUrl: t.baseUrl, dashboardTables });
  const { requests } = plan(routes, 'GET', f);
  for (const p of Object.values(w.people)) {
    const out: Array<{ req: PlannedRequest; x: Exchange }> = [];
    // The anonymous visitor is a new one on every request (a crawler, a first visit): no cookie.
    for (const req of requests) out.push({ req, x: await send(t.baseUrl, p.name === 'anonymous' ? null : p, 'GET', req.url) });
    crawled.set(p.name, out);
  }
}, 120_000);
afterAll(async () => t?.close());

const allExchanges = () => [...crawled].flatMap(([name, xs]) => xs.map((e) => ({ who: w.people[name], ...e })));

describe('the paywall leak scan', () => {
  it('has a fixture for every parameter of every route the router serves, so a new route is crawled too', () => {
    const missing = [...plan(routes, 'GET', f).missing, ...plan(routes, 'POST', f).missing];
    expect(missing, missing.join('\n')).toEqual([]);
    const scanned = new Set(plan(routes, 'GET', f).requests.map((r) => r.route));
    const gets = routes.filter((r) => r.method === 'GET' && !EXCLUDED.some((e) => r.path.startsWith(e.prefix)));
    expect(gets.length).toBeGreaterThan(40);
    expect(gets.filter((r) => !scanned.has(r.path))).toEqual([]);
  });

  it('answers every crawled request, wrong ids included, without a server error', () => {
    const failed = allExchanges().filter(({ x }) => x.status >= 500).map(({ who, x }) => `${who.name} GET ${x.url} → ${x.status}`);
    expect(failed, failed.join('\n')).toEqual([]);
  });

  it('finds the canaries where they belong (the scan can see them)', () => {
    const got = (who: Person['name'], url: string) => crawled.get(who)!.find((e) => e.req.url === url)!.x;
    const video = `/courses/${w.paid.slug}/lessons/${w.lessons.video.id}`;
    const owners = got('owner', video);
    expect(owners.status).toBe(200);
    expect(canariesIn(owners, w.canaries).map((c) => c.token)).toEqual(w.canaries.filter((c) => c.lessonId === w.lessons.video.id).map((c) => c.token));
    const editForm = got('admin', `/admin/courses/${w.paid.id}/lessons/${w.lessons.video.id}/edit`);
    expect(canariesIn(editForm, w.canaries).map((c) => c.kind)).toContain('locked');
    const preview = got('anonymous', `/courses/${w.paid.slug}/lessons/${w.lessons.preview.id}`);
    expect(preview.status).toBe(200);
    expect(canariesIn(preview, w.canaries).map((c) => c.kind)).toContain('preview');
    for (const who of ['nonBuyer', 'lapsed'] as const) {
      const locked = got(who, video);
      expect(locked.status).toBe(403);
      expect(locked.body).toContain(w.lessons.video.title);
    }
    expect(canariesIn(got('otherOwner', video), w.canaries).map((c) => c.kind)).toEqual(expect.arrayContaining(['locked', 'comment']));
  });

  it('would flag the owner\'s lesson page given to a non-buyer, or kept by a proxy (the scan can fail)', () => {
    const video = crawled.get('owner')!.find((e) => e.req.url === `/courses/${w.paid.slug}/lessons/${w.lessons.video.id}`)!;
    expect(leaks(video.x, placeOf(w.people.nonBuyer, video.req), w.canaries).length).toBeGreaterThan(3);
    const uncached = { ...video.x, headers: { ...video.x.headers, 'cache-control': 'max-age=60' } };
    expect(cacheProblems(uncached, placeOf(w.people.owner, video.req), w.people.owner, w.canaries).join('\n')).toMatch(/personal page[\s\S]*signed-in[\s\S]*names the person[\s\S]*locked canary/);
    const proxy = createProxyCache();
    expect(proxy.offer(uncached)).toBe(true);
    expect(leaks(proxy.lookup(video.req.url, {})!, placeOf(w.people.anonymous, video.req), w.canaries)).not.toEqual([]);
  });

  it('shows no locked body, media URL, comment or draft to anyone it does not belong to, on any GET route', () => {
    const found = allExchanges().flatMap(({ who, req, x }) => leaks(x, placeOf(who, req), w.canaries));
    expect(found, found.join('\n')).toEqual([]);
  });

  it('shows the anonymous visitor and the non-buyer nothing that names the owner (their orders, their comments)', () => {
    const found = allExchanges()
      .filter(({ who }) => who.name === 'anonymous' || who.name === 'nonBuyer')
      .flatMap(({ who, req, x }) => w.people.owner.markers.filter((m) => (x.body + JSON.stringify(x.headers)).includes(m)).map((m) => `${who.name} GET ${req.url} → ${x.status}: names the owner (${m})`));
    expect(found, found.join('\n')).toEqual([]);
  });

  it('lets no shared cache keep a personal page, and marks every page that depends on who asks private or no-store', () => {
    const found = allExchanges().flatMap(({ who, req, x }) => cacheProblems(x, placeOf(who, req), who, w.canaries));
    expect(found, found.join('\n')).toEqual([]);
  });

  it('a proxy fed by the signed-in people serves the anonymous visitor nothing of theirs', () => {
    const proxy = createProxyCache();
    for (const name of ['owner', 'otherOwner', 'lapsed', 'admin', 'nonBuyer'] as const) for (const { x } of crawled.get(name)!) proxy.offer(x);
    // Something is kept (the sitemap, robots.txt, public pages rendered for a signed-in reader are not).
    expect(proxy.size).toBeGreaterThan(0);
    const served: string[] = [];
    for (const { req } of crawled.get('anonymous')!) {
      const hit = proxy.lookup(req.url, { Accept: 'text/html,application/xhtml+xml,application/json;q=0.9,*/*;q=0.8' });
      if (!hit) continue;
      served.push(...leaks(hit, placeOf(w.people.anonymous, req), w.canaries));
      for (const who of Object.values(w.people)) for (const m of who.markers) if ((hit.body + JSON.stringify(hit.headers)).includes(m)) served.push(`anonymous ${req.url}: served ${who.name}'s copy naming ${m}`);
    }
    expect(served, served.join('\n')).toEqual([]);
  });

  it('the simulated proxy keeps what the headers allow, and serves it to the next person with the same cookies', async () => {
    const proxy = createProxyCache();
    const sitemap = await send(t.baseUrl, w.people.owner, 'GET', '/sitemap.xml');
    expect(proxy.offer(sitemap)).toBe(true);
    expect(proxy.lookup('/sitemap.xml', {})).toBe(sitemap);
    // A first visit sets the analytics cookies: not for a shared cache.
    const visitor = person('anonymous');
    const first = await send(t.baseUrl, visitor, 'GET', '/');
    expect(first.setCookies.length).toBeGreaterThan(0);
    expect(proxy.offer(first)).toBe(false);
    // The next page of the same visit sets none and may be kept, but only for the same cookies.
    const again = await send(t.baseUrl, visitor, 'GET', '/');
    expect(again.setCookies).toEqual([]);
    expect(again.headers.vary).toMatch(/cookie/i);
    expect(proxy.offer(again)).toBe(true);
    expect(proxy.lookup('/', again.requestHeaders)).toBe(again);
    expect(proxy.lookup('/', { ...again.requestHeaders, Cookie: 'zhifu.sid=s%3Asomeone-else' })).toBeNull();
  });

  it('answers POSTs of anonymous visitors, non-buyers and lapsed buyers without a canary, on every POST route', async () => {
    const visitor = person('anonymous');
    visitor.csrf = csrfIn((await send(t.baseUrl, visitor, 'GET', '/login')).body) ?? '';
    // Wrong ids answer POSTs with the same error pages the GET crawl read already.
    const { requests } = plan(routes, 'POST', f, { realIdsOnly: true });
    const found: string[] = [];
    for (const p of [visitor, w.people.nonBuyer, w.people.lapsed]) {
      for (const req of requests) {
        if (POST_EXCLUDED.some((e) => e.path === req.route)) continue;
        // A plausible form: the session's token and a body, so the request gets past CSRF and parsing.
        const x = await send(t.baseUrl, p, 'POST', req.url, { form: { _csrf: p.csrf, body: '想看看', course_id: String(w.paid.id), stars: '5', review: '好', reason: 'spam' } });
        found.push(...leaks(x, placeOf(p, req), w.canaries), ...cacheProblems(x, placeOf(p, req), p, w.canaries));
      }
    }
    expect(found, found.join('\n')).toEqual([]);
  });

  it('quotes no locked content or draft in Official Account keyword replies', async () => {
    const keywords = ['课程', w.paid.title, 'Leakscan', w.lessons.video.title, '视频课', '未发布', w.draft.title, ...w.canaries.map((c) => c.token), `ZLK${w.tag}`];
    const messages: InboundMessage[] = [
      ...keywords.map((content): InboundMessage => ({ kind: 'text', to: SANDBOX_OA_ORIGINAL_ID, from: `oLeak${w.tag}`, content, createTime: Math.floor(Date.now() / 1000), msgId: newMsgId() })),
      { kind: 'event', to: SANDBOX_OA_ORIGINAL_ID, from: `oLeak${w.tag}`, event: 'subscribe', createTime: Math.floor(Date.now() / 1000) },
    ];
    const found: string[] = [];
    let replies = 0;
    for (const message of messages) {
      const r = buildSignedRequest({ serverUrl: `${t.baseUrl}/wechat`, message, credentials: { token: SANDBOX_OA.token, encodingAesKey: SANDBOX_OA.encodingAesKey, appid: SANDBOX_OA.appid }, encrypt: false });
      const url = new URL(r.url);
      const x = await send(t.baseUrl, null, 'POST', url.pathname + url.search, { body: r.body, contentType: 'text/xml; charset=utf-8' });
      expect(x.status).toBe(200);
      if (x.body.startsWith('<xml>')) replies++;
      found.push(...leaks(x, { person: 'anonymous', method: 'POST', route: '/wechat', params: {} }, w.canaries).map((l) => `${l} (keyword ${JSON.stringify(message.kind === 'text' ? message.content : message.event)})`));
    }
    // The scan saw real replies: the paid course's title is a keyword match.
    expect(replies).toBeGreaterThan(1);
    expect(found, found.join('\n')).toEqual([]);
  });

  it('the share beacon and the JS-SDK config carry no canary for anyone', async () => {
    const found: string[] = [];
    for (const p of Object.values(w.people)) {
      for (const courseId of [w.paid.id, w.draft.id]) {
        const x = await send(t.baseUrl, p.name === 'anonymous' ? null : p, 'POST', '/api/share', { form: { _csrf: p.csrf, course_id: String(courseId) } });
        found.push(...leaks(x, placeOf(p, { method: 'POST', route: '/api/share', params: {} }), w.canaries));
      }
    }
    expect(found, found.join('\n')).toEqual([]);
  });
});
