import { randomBytes } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import type { Clock } from '../../platform/clock.js';
import type { AnalyticsEvent, EventRefs, EventType, Source, Touch } from './event.js';

declare module 'express-serve-static-core' {
  interface Request {
    /** Records a behaviour event for this request; never throws, never waits. */
    track?: (type: EventType, refs?: EventRefs) => void;
  }
}

export const VISITOR_COOKIE = 'zf_vid';
const FIRST_TOUCH_COOKIE = 'zf_ft';
const LAST_TOUCH_COOKIE = 'zf_lt';
/** Present for 30 minutes after a visit starts: a page without it begins a new visit (even a direct one). */
const VISIT_COOKIE = 'zf_vs';
const VISIT_MS = 30 * 60_000;
export const TRACKING_COOKIES = [VISITOR_COOKIE, FIRST_TOUCH_COOKIE, LAST_TOUCH_COOKIE, VISIT_COOKIE];
const YEAR_MS = 365 * 86_400_000;
/** Last touch counts for a visit within 30 days, as most analytics tools attribute. */
const LAST_TOUCH_MS = 30 * 86_400_000;

const OA_MEDIUMS: Record<string, Source> = { menu: 'menu', reply: 'reply', article: 'article' };
const SEARCH_HOSTS = /(^|\.)(baidu|sogou|so|bing|google|sm|toutiao)\.(com|cn)$/;
const BOT = /bot|spider|crawl|slurp|curl|wget|python-requests|headless/i;

function cookie(req: Request, name: string): string | null {
  const header = req.headers.cookie ?? '';
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k !== name) continue;
    try {
      return decodeURIComponent(v.join('='));
    } catch {
      // A cookie that is not valid percent-encoding is ignored, like one we never set.
      return null;
    }
  }
  return null;
}

const clean = (v: unknown, max: number) => (typeof v === 'string' && v !== '' ? v.replace(/[^\p{L}\p{N}_.\-:]/gu, '').slice(0, max) || null : null);

/** A touch in a cookie: `source|medium|campaign|code|ms`, each part cleaned, so a forged cookie can do no harm. */
function encodeTouch(t: Touch): string {
  return [t.source, t.medium ?? '', t.campaign ?? '', t.shareCode ?? '', t.at.getTime()].join('|');
}
function decodeTouch(raw: string | null): Touch | null {
  if (!raw) return null;
  const [source, medium, campaign, code, ms] = raw.split('|');
  if (!source || !(source in SOURCE_SET) || !/^\d{1,15}$/.test(ms ?? '')) return null;
  return { source: source as Source, medium: clean(medium, 32), campaign: clean(campaign, 64), shareCode: clean(code, 16), at: new Date(Number(ms)) };
}
const SOURCE_SET: Record<Source, true> = { menu: true, reply: true, article: true, share: true, campaign: true, search: true, referral: true, wechat: true, direct: true };

export function uaClassOf(ua: string): AnalyticsEvent['uaClass'] {
  const wechat = /MicroMessenger/i.test(ua);
  const phone = /Mobile|Android|iPhone|iPad/i.test(ua);
  if (wechat) return phone ? 'wechat_phone' : 'wechat_desktop';
  return phone ? 'phone' : 'desktop';
}

function referrerOf(req: Request): { cls: AnalyticsEvent['referrerClass']; host: string | null } {
  const ref = req.get('referer');
  if (!ref) return { cls: 'none', host: null };
  let host: string;
  try {
    host = new URL(ref).hostname.toLowerCase();
  } catch {
    return { cls: 'none', host: null };
  }
  if (host === req.hostname) return { cls: 'internal', host };
  if (/(^|\.)(weixin|qq|wechat)\.(com|qq\.com)$/.test(host) || host.endsWith('.qq.com')) return { cls: 'wechat', host };
  if (SEARCH_HOSTS.test(host)) return { cls: 'search', host };
  return { cls: 'external', host };
}

/** What this request says about where the visitor came from, or null for an internal click. */
export function touchOf(req: Request, now: Date): Touch | null {
  const q = req.query as Record<string, unknown>;
  const utmSource = clean(q.utm_source, 32);
  const medium = clean(q.utm_medium, 32);
  const campaign = clean(q.utm_campaign, 64);
  const shareCode = clean(q.s, 16);
  if (shareCode) return { source: 'share', medium, campaign, shareCode, at: now };
  if (utmSource === 'wechat_oa') return { source: OA_MEDIUMS[medium ?? ''] ?? 'wechat', medium, campaign, shareCode: null, at: now };
  if (utmSource) return { source: 'campaign', medium: medium ?? utmSource, campaign, shareCode: null, at: now };
  const ref = referrerOf(req);
  if (ref.cls === 'search') return { source: 'search', medium: ref.host, campaign: null, shareCode: null, at: now };
  if (ref.cls === 'external') return { source: 'referral', medium: ref.host, campaign: null, shareCode: null, at: now };
  if (ref.cls === 'wechat') return { source: 'wechat', medium: ref.host, campaign: null, shareCode: null, at: now };
  return null;
}

/**
 * Gives every request `req.track`: the first-party visitor id (a cookie, set on the first visit),
 * the request's touch and the visitor's first and last touch (kept in cookies, so no read of the
 * database on any page), and the classes of user agent and referrer. Bots are not tracked.
 */
export function trackingContext(deps: { clock: Clock; secure: boolean; push: (e: AnalyticsEvent) => void }): RequestHandler {
  const opts = (maxAge: number) => ({ maxAge, httpOnly: true, sameSite: 'lax' as const, secure: deps.secure, path: '/' });
  return (req, res, next) => {
    const ua = req.get('user-agent') ?? '';
    if (req.method !== 'GET' && req.method !== 'POST') return next();
    if (BOT.test(ua)) return next();
    const now = deps.clock.now();
    const known = cookie(req, VISITOR_COOKIE);
    const isNew = !known || !/^[A-Za-z0-9_-]{16,32}$/.test(known);
    const visitorId = isNew ? randomBytes(12).toString('base64url') : known;
    const touch = req.method === 'GET' ? touchOf(req, now) : null;
    let first = decodeTouch(cookie(req, FIRST_TOUCH_COOKIE));
    const last = decodeTouch(cookie(req, LAST_TOUCH_COOKIE));
    const newFirst = touch !== null && first === null;
    const newVisit = touch !== null || cookie(req, VISIT_COOKIE) === null;
    if (newFirst) first = touch;
    const current: Touch = touch ?? (last && now.getTime() - last.at.getTime() < LAST_TOUCH_MS ? last : { source: 'direct', medium: null, campaign: null, shareCode: null, at: now });
    // Cookies are set only by a page that records something, so a 404, a file or an API call sets none,
    // and a returning visitor's page sets none at all (shared caches may keep it).
    let cookiesSet = false;
    const setCookies = () => {
      if (cookiesSet || res.headersSent) return;
      cookiesSet = true;
      if (isNew) res.cookie(VISITOR_COOKIE, visitorId, opts(YEAR_MS));
      if (newFirst) res.cookie(FIRST_TOUCH_COOKIE, encodeTouch(touch), opts(YEAR_MS));
      if (touch) res.cookie(LAST_TOUCH_COOKIE, encodeTouch(touch), opts(LAST_TOUCH_MS));
      if (newVisit) res.cookie(VISIT_COOKIE, '1', opts(VISIT_MS));
    };
    res.locals.firstVisit = isNew;
    const uaClass = uaClassOf(ua);
    const referrerClass = referrerOf(req).cls;
    let touchRecorded = false;
    req.track = (type, refs = {}) => {
      try {
        setCookies();
        deps.push({
          type,
          at: deps.clock.now(),
          userId: refs.userId ?? req.currentUser?.id ?? null,
          visitorId,
          courseId: refs.courseId ?? null,
          lessonId: refs.lessonId ?? null,
          orderId: refs.orderId ?? null,
          touch: current,
          firstTouch: first ?? current,
          // The first event of a visit counts the visit, under its source (direct when untagged).
          isTouch: newVisit && !touchRecorded && (touchRecorded = true),
          uaClass,
          referrerClass,
          path: req.path.slice(0, 191),
        });
      } catch {
        // Analytics never breaks a page.
      }
    };
    next();
  };
}
