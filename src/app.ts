import path from 'node:path';
import { createRequire } from 'node:module';
import express, { type Express, type Request } from 'express';
import type { Knex } from 'knex';
import { PROJECT_ROOT } from './config/environment.js';
import type { Config } from './config/config.js';
import type { Clock } from './platform/clock.js';
import type { Logger } from './platform/logger.js';
import { createCacheVersions } from './platform/cache-versions.js';
import type { RedisConnection } from './platform/redis.js';
import {
  KnexSessionStore,
  csrfErrorTranslator,
  csrfProtection,
  csrfTokenForViews,
  errorHandler,
  createRateLimiting,
  clientIp,
  notFoundHandler,
  requestLogger,
  securityHeaders,
  cacheControl,
  SESSION_COOKIE,
  sessionMiddleware,
  multipartBody,
  takeFlash,
} from './platform/http/index.js';
import { healthRoutes } from './platform/http/health-routes.js';
import { accountRoutes, accountSettingsRoutes, createAccountService, createPasswordHasher, loadCurrentUser, requireAdmin } from './modules/accounts/index.js';
import { createAnalytics, TRACKING_COOKIES } from './modules/analytics/index.js';
import { createPrivacyService, privacyRoutes } from './modules/privacy/index.js';
import { createRecommendationsModule, type BuildResult } from './modules/recommendations/index.js';
import { adminRoutes, commerceAdminRoutes, createCoverStore, dashboardRoutes, feedbackAdminRoutes, MAX_COVER_BYTES, orderAdminRoutes, recommendationAdminRoutes } from './modules/admin/index.js';
import { createAuditService } from './modules/audit/index.js';
import { catalogRoutes, createCatalogAdminService, createCourseService, createSitemapService, sitemapRoutes } from './modules/catalog/index.js';
import { createEnrolmentService } from './modules/enrolments/index.js';
import { createFeedback } from './modules/feedback/index.js';
import { createCoursePage, createLearningService, learningRoutes } from './modules/learning/index.js';
import { createCommerce, lastDay, type ReminderSender } from './modules/commerce/index.js';
import { createPaymentService, createReconciler, createWechatPayClient, paymentNotifyRoutes, paymentRoutes, type PaymentPageOptions, type PaymentService, type Storefront } from './modules/payments/index.js';
import { createWechatPaySandbox, loadOrCreateSandboxKeys, type WechatPaySandbox } from './modules/sandbox/wechatpay/index.js';
import type { MerchantSettings } from './config/wechatpay-config.js';
import { createOfficialAccountSandbox, SANDBOX_OA } from './modules/sandbox/official-account/index.js';
import { createTemplateSender, createTokenCache, createWechatApi, isWechatBrowser, jssdkRoutes, messageRoutes, wechatOAuthRoutes, type TemplateSender } from './modules/wechat/index.js';

export interface AppDeps {
  config: Config;
  db: Knex;
  logger: Logger;
  clock: Clock;
  /** Opened by the caller from config.redis (and closed by it): shared rate limits and instant cache clears. */
  redis?: RedisConnection | null;
}

const WEUI_DIR = path.dirname(createRequire(import.meta.url).resolve('weui/dist/style/weui.min.css'));

export interface BuiltApp {
  app: Express;
  payments: PaymentService;
  /** The built-in WeChat Pay simulator, in sandbox mode only. */
  sandbox: WechatPaySandbox | null;
  /** Background work: reconciliation, analytics writes and retention, and (in sandbox mode) the simulator's notification delivery. */
  jobs: { start(): void; stop(): Promise<void> };
  /** Writes the analytics events waiting in memory now (tests and benchmarks; the timer does it otherwise). */
  flushEvents(): Promise<void>;
  /** Builds the recommendation model now (tests and benchmarks; the schedule does it otherwise). */
  buildRecommendations(opts?: { full?: boolean }): Promise<BuildResult | null>;
  /** Sends the renewal reminders due now (tests; the schedule does it otherwise). */
  sendRenewalReminders(): Promise<{ sent: number; skipped: number; failed: number }>;
}

const SANDBOX_APPID = SANDBOX_OA.appid;
const SANDBOX_MCHID = '1900000109';
const SANDBOX_MOUNT = '/__sandbox/wechatpay';

/** Where this process can reach itself, and where browsers and WeChat reach it. */
function baseUrls(config: Config) {
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const self = `http://${host.includes(':') ? `[${host}]` : host}:${config.port}`;
  return { self, public: config.publicUrl ?? self };
}

/**
 * Live mode talks to WeChat with the configured merchant; sandbox mode generates (once) a merchant
 * and a WeChat Pay key pair under data/sandbox and points the same client at the simulator mounted
 * in this process, which it reaches over HTTP like any other peer.
 */
function wechatPaySetup(deps: AppDeps): { merchant: MerchantSettings; sandbox: WechatPaySandbox | null; page: PaymentPageOptions } {
  const { config } = deps;
  const urls = baseUrls(config);
  if (config.wechatPay.mode === 'live') {
    return { merchant: config.wechatPay.merchant, sandbox: null, page: { sandboxPayPage: null, sandboxBridge: null, h5Enabled: config.wechatPay.h5Enabled } };
  }
  const keys = loadOrCreateSandboxKeys(config.wechatPay.sandboxDir);
  const publicBase = urls.public + SANDBOX_MOUNT;
  const sandbox = createWechatPaySandbox({
    db: deps.db,
    clock: deps.clock,
    logger: deps.logger,
    config: {
      mchid: SANDBOX_MCHID,
      appid: SANDBOX_APPID,
      apiV3Key: keys.apiV3Key,
      merchantVerificationKeyPem: keys.merchant.certificatePem,
      merchantSerial: keys.merchant.serial,
      platformPrivateKeyPem: keys.platform.privateKeyPem,
      platformPublicKeyId: keys.platform.publicKeyId,
      platformCertificatePem: keys.platform.certificatePem,
      publicBaseUrl: publicBase,
      merchantName: '知付（沙箱）',
      timeScale: config.wechatPay.sandboxTimeScale,
      signatureMode: config.wechatPay.sandboxSignatureMode,
    },
  });
  // Certificate mode: the client knows no key up front and downloads the platform certificates.
  const certificateMode = config.wechatPay.sandboxSignatureMode === 'certificate';
  return {
    merchant: {
      appid: SANDBOX_APPID,
      mchid: SANDBOX_MCHID,
      apiV3Key: keys.apiV3Key,
      privateKeyPem: keys.merchant.privateKeyPem,
      serial: keys.merchant.serial,
      publicKey: certificateMode ? null : { id: keys.platform.publicKeyId, pem: keys.platform.publicKeyPem },
      platformCertificatePems: [],
      apiBase: urls.self + SANDBOX_MOUNT,
    },
    sandbox,
    page: {
      sandboxPayPage: (codeUrl) => codeUrl.replace(/^weixin:\/\/wxpay\//, `${publicBase}/`),
      sandboxBridge: { src: '/static/js/sandbox-wxbridge.js', base: SANDBOX_MOUNT },
      h5Enabled: config.wechatPay.h5Enabled,
    },
  };
}

const OA_SANDBOX_MOUNT = '/__sandbox/wechat';
/** The course list and course pages. */
const SESSIONLESS_PAGES = [/^\/$/, /^\/courses\/[^/]+\/?$/];

/**
 * The Official Account: live credentials, or the sandbox account whose OAuth pages and APIs are
 * mounted in this process and reached over HTTP (OAuth through the browser, APIs from the server).
 */
function officialAccountSetup(deps: AppDeps) {
  const { config } = deps;
  const urls = baseUrls(config);
  if (config.officialAccount.mode === 'live') return { ...config.officialAccount, sandboxRouter: null };
  const sandbox = createOfficialAccountSandbox({
    db: deps.db,
    clock: deps.clock,
    logger: deps.logger,
    config: { appid: SANDBOX_OA.appid, appsecret: SANDBOX_OA.appsecret, publicBaseUrl: urls.public + OA_SANDBOX_MOUNT },
  });
  return {
    mode: 'sandbox' as const,
    appid: SANDBOX_OA.appid,
    appsecret: SANDBOX_OA.appsecret,
    token: SANDBOX_OA.token,
    encodingAesKey: SANDBOX_OA.encodingAesKey,
    oauthBase: urls.public + OA_SANDBOX_MOUNT,
    apiBase: urls.self + OA_SANDBOX_MOUNT,
    renewalTemplateId: config.officialAccount.renewalTemplateId,
    sandboxRouter: sandbox.router,
  };
}

/** How often a process looks for memberships to remind (one process at a time, through a lease). */
const REMINDER_INTERVAL_MS = 10 * 60_000;

/**
 * The renewal reminder as a template message, when the Official Account has one configured. The
 * sandbox's template (like the common 会员到期提醒 ones) takes thing1 (the plan, ≤ 20 characters),
 * time2 (the end, with a time of day) and thing3 (a note).
 */
function renewalReminderSender(o: { templateId: string | null; sender: TemplateSender; publicUrl: string }): ReminderSender | null {
  const { templateId } = o;
  if (!templateId) return null;
  return (m) =>
    o.sender.send({
      touser: m.openid,
      templateId,
      url: `${o.publicUrl}/membership`,
      data: { thing1: m.planName.slice(0, 20), time2: `${lastDay(m.endsAt)} 23:59`, thing3: m.daysLeft === 0 ? '今天到期，续费后有效期顺延' : m.daysLeft === 1 ? '明天到期，续费后有效期顺延' : `${m.daysLeft} 天后到期，续费后有效期顺延` },
    });
}

/** The composition root: builds every service once and wires the routes. Never listens. */
export function buildApp(deps: AppDeps): BuiltApp {
  const { config, db, logger, clock } = deps;
  const accounts = createAccountService({ db, clock, log: logger, hasher: createPasswordHasher(config.argon2) });
  // Every in-process cache is cleared in every process when an edit bumps it (see cache-versions.ts).
  const cacheVersions = createCacheVersions({ db, clock, log: logger, redis: deps.redis ?? null });
  const rateLimits = createRateLimiting({ db, clock, log: logger, redis: deps.redis ?? null });
  const courses = createCourseService({ db, clock, listCacheMs: config.catalogCacheMs, versions: cacheVersions });
  const audit = createAuditService({ db, clock });
  const catalogAdmin = createCatalogAdminService({ db, clock, audit, onChange: () => courses.clearListCache() });
  const oa = officialAccountSetup(deps);
  const wechatApi = createWechatApi({ apiBase: oa.apiBase, appid: oa.appid, appsecret: oa.appsecret, log: logger });
  const tokens = createTokenCache({ db, clock, log: logger, api: wechatApi });
  const publicUrl = baseUrls(config).public;
  const commerce = createCommerce({
    db,
    clock,
    log: logger,
    audit,
    openidOf: async (userId) => (await accounts.currentUser(userId))?.wechatOpenid ?? null,
    sendReminder: renewalReminderSender({ templateId: oa.renewalTemplateId, sender: createTemplateSender({ api: wechatApi, tokens, log: logger }), publicUrl }),
    reminderIntervalMs: REMINDER_INTERVAL_MS,
  });
  const enrolments = createEnrolmentService({ db, clock, log: logger, audit, memberAccess: (userId, courseId) => commerce.memberships.covers(userId, courseId) });
  const learning = createLearningService({ db, clock });
  const analytics = createAnalytics({ db, clock, log: logger, secureCookies: config.isProduction, buffer: config.analytics, retentionDays: config.analytics.retentionDays });
  const feedback = createFeedback({
    db,
    clock,
    log: logger,
    audit,
    accounts,
    courses,
    enrolments,
    keywords: config.moderationKeywords,
    studied: (userId, courseId) => learning.hasStudied(userId, courseId),
  });
  const recs = createRecommendationsModule({ db, clock, log: logger, courses, audit, config: config.recommendations, versions: cacheVersions });
  const pay = wechatPaySetup(deps);
  const wechat = createWechatPayClient({ merchant: pay.merchant, clock, log: logger, db });
  const payments = createPaymentService({
    db,
    clock,
    log: logger,
    wechat,
    enrolments,
    pricing: commerce.pricing,
    audit,
    notifyUrl: `${baseUrls(config).public}/wechatpay/notify`,
    orderExpireMinutes: config.wechatPay.orderExpireMinutes,
    events: analytics.sink,
  });
  const oauth = wechatOAuthRoutes({ accounts, api: wechatApi, appid: oa.appid, oauthBase: oa.oauthBase, publicUrl, log: logger, clock, refuseAdmins: oa.sandboxRouter !== null });
  const reconciler = createReconciler({ db, clock, log: logger, payments, intervalMs: config.wechatPay.reconcileIntervalMs });
  const sessionStore = new KnexSessionStore(db, clock, config.session.maxAgeMs);
  const cacheStatic = config.isProduction ? '7d' : 0;

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.set('view engine', 'ejs');
  app.set('views', path.join(PROJECT_ROOT, 'views'));
  app.set('view cache', config.env !== 'development');
  app.locals.appName = '知付';

  app.use(requestLogger(logger));
  app.use(securityHeaders({ upgradeInsecure: config.isProduction }));
  app.use('/static/vendor/weui', express.static(WEUI_DIR, { maxAge: cacheStatic, index: false }));
  app.use('/static', express.static(path.join(PROJECT_ROOT, 'public'), { maxAge: cacheStatic, index: false }));
  // Every response from here on: what a shared cache may keep of it is decided as its headers go out.
  app.use(cacheControl());
  app.use(healthRoutes({ db }));
  app.use(sitemapRoutes({ sitemap: createSitemapService({ db }), publicUrl: baseUrls(config).public }));
  // Raw-body routes come before every body parser, session and CSRF check.
  if (pay.sandbox) app.use(SANDBOX_MOUNT, pay.sandbox.router);
  if (oa.sandboxRouter) app.use(OA_SANDBOX_MOUNT, oa.sandboxRouter);
  app.use(paymentNotifyRoutes({ payments }));
  app.use(messageRoutes({ db, clock, log: logger, courses, appid: oa.appid, token: oa.token, encodingAesKey: oa.encodingAesKey, publicUrl, events: analytics.sink, alsoStudied: async (courseId, openid) => recs.service.alsoStudied(courseId, (await accounts.findByOpenid(openid))?.id ?? null, 1) }));
  // Every page a person (not a bot) asks for gets req.track, with the visitor id and where they came from.
  app.use(analytics.context);

  // Uploaded covers are served from the upload folder, never executed: nosniff and a fixed type.
  app.use('/uploads', express.static(config.uploadDir, { maxAge: cacheStatic, index: false, dotfiles: 'deny' }));

  // Lesson bodies can be long Markdown; 1 MB is well above the 100,000-character limit.
  app.use(express.urlencoded({ extended: false, limit: '1mb', parameterLimit: 100 }));
  const session = sessionMiddleware({ store: sessionStore, secret: config.session.secret, secure: config.isProduction, maxAgeMs: config.session.maxAgeMs });
  // The most visited pages, seen by a visitor without a session, have nothing to keep in one: skip
  // the session machinery entirely there (these pages render no form for anonymous visitors).
  app.use((req, res, next) => {
    const anonymousRead = (req.method === 'GET' || req.method === 'HEAD') && !(req.headers.cookie ?? '').includes(`${SESSION_COOKIE}=`);
    if (anonymousRead && SESSIONLESS_PAGES.some((r) => r.test(req.path))) return next();
    session(req, res, next);
  });
  app.use(csrfTokenForViews);
  app.use(loadCurrentUser(accounts));
  app.use(commerce.routes.renewalBanner);
  app.use(feedback.unreadReplies);
  // Course forms may carry a cover image. Only an admin's upload is parsed (nobody else can make us
  // buffer files), and before the CSRF check, so the token travels in the body like every other form.
  const coverUpload = multipartBody({ fileField: 'cover_file', maxBytes: MAX_COVER_BYTES });
  app.use('/admin/courses', (req, res, next) => {
    if (!req.is('multipart/form-data')) return next();
    requireAdmin(req, res, (err?: unknown) => (err ? next(err) : coverUpload(req, res, next)));
  });
  app.use(csrfProtection);
  app.use(takeFlash);
  app.use((req, res, next) => {
    // WeChat login works inside WeChat, and anywhere against the sandbox.
    res.locals.wechatLoginAvailable = oa.mode === 'sandbox' || isWechatBrowser(req);
    // Inside WeChat, logging in is one tap through WeChat, not a password form.
    res.locals.inWechat = isWechatBrowser(req);
    // Share cards need the real JS-SDK, which only exists inside WeChat talking to WeChat.
    res.locals.wechatJssdk = oa.mode === 'live' && isWechatBrowser(req);
    res.locals.currentPath = req.path;
    next();
  });
  app.use(oauth.silentLogin);

  // The public catalogue first: it serves most requests and needs none of the routers below.
  app.use(catalogRoutes({ courses, forYou: (userId) => recs.service.forLearner(userId) }));

  const limit = (name: string, max: number, count: 'failures' | 'successes', message: string, key?: (req: Request) => string) =>
    rateLimits.limit({ name, max, windowMs: config.rateLimits.windowMs, count, message, key });
  const loginTooMany = `登录失败次数过多，请 ${config.rateLimits.windowMs / 60_000} 分钟后再试`;
  const loginName = (req: Request) => String((req.body as Record<string, unknown> | undefined)?.username ?? '').trim().toLowerCase().slice(0, 64);
  app.use(
    accountRoutes({
      accounts,
      // Failed logins count per IP and account (the tight limit), per account from anywhere, and per
      // IP over all accounts (both looser), so someone failing on other accounts behind a shared IP
      // (an office, a WeChat proxy) cannot lock the creator out, and spraying is still bounded.
      loginLimiters: [
        limit('login', config.rateLimits.loginMax, 'failures', loginTooMany, (req) => `${clientIp(req)}|${loginName(req)}`),
        limit('login-account', config.rateLimits.loginMax * 5, 'failures', loginTooMany, loginName),
        limit('login-ip', config.rateLimits.loginMax * 20, 'failures', loginTooMany),
      ],
      registerLimiter: limit('register', config.rateLimits.registerMax, 'successes', '注册过于频繁，请稍后再试'),
    }),
  );
  app.use(oauth.router);
  app.use(jssdkRoutes({ tokens, appid: oa.appid, publicUrl, clock }));
  app.use(accountSettingsRoutes({ accounts, sessions: sessionStore }));
  app.use(
    privacyRoutes({
      privacy: createPrivacyService({ db, clock, log: logger, audit, accounts, rateLimits }),
      accounts,
      retentionDays: config.analytics.retentionDays,
      eraseLimiter: limit('erase', config.rateLimits.loginMax, 'failures', `密码错误次数过多，请 ${config.rateLimits.windowMs / 60_000} 分钟后再试`, (req) => String(req.currentUser?.id ?? clientIp(req))),
      trackingCookies: TRACKING_COOKIES,
    }),
  );
  const coursePage = createCoursePage({
    courses,
    enrolments,
    learning,
    feedback: feedback.panels,
    shareLink: async (userId, slug) => `${publicUrl}/courses/${encodeURIComponent(slug)}?s=${await analytics.shareCodes.codeFor(userId)}`,
    alsoStudied: (courseId, viewerId) => recs.service.alsoStudied(courseId, viewerId),
    nextSteps: (userId, courseId) => recs.service.nextSteps(userId, courseId),
    offers: (viewer, course) => commerce.offerFor(viewer?.id ?? null, { id: course.id, priceFen: course.priceFen, published: course.status === 'published' }),
  });
  app.use(learningRoutes({ courses, enrolments, learning, feedback: feedback.panels, coursePage }));
  app.use(commerce.routes.router);
  app.use(analytics.routes());
  // Comments, reviews and reports count per learner, wherever they post from.
  const perUser = (req: Request) => String(req.currentUser?.id ?? clientIp(req));
  app.use(
    feedback.routes({
      postLimiter: limit('feedback-post', config.rateLimits.commentMax, 'successes', '发言太频繁了，请稍后再试', perUser),
      reportLimiter: limit('feedback-report', config.rateLimits.reportMax, 'successes', '举报太频繁了，请稍后再试', perUser),
    }),
  );
  const store: Storefront = {
    plan: async (id) => {
      const plan = await commerce.memberships.findPlan(id);
      return plan && { id: plan.id, name: plan.name, priceFen: plan.priceFen, onSale: plan.status === 'active' };
    },
    couponName: async (id) => (await commerce.coupons.findById(id))?.name ?? null,
    refused: async (req, res, product, refusal) => {
      if (product.kind === 'membership') return commerce.routes.showMembership(req, res, { planId: product.id, ...refusal });
      const course = (await courses.byId(product.id))!;
      return coursePage.show(req, res, course.slug, refusal);
    },
  };
  app.use(paymentRoutes({ payments, courses, store, checkoutLimiter: limit('checkout-failures', config.rateLimits.loginMax * 3, 'failures', '尝试次数过多，请稍后再试', perUser), clock, merchantPrivateKeyPem: pay.merchant.privateKeyPem, page: pay.page, publicUrl, nextSteps: (userId, courseId) => recs.service.nextSteps(userId, courseId) }));
  app.use(orderAdminRoutes({ payments, courses, catalog: catalogAdmin, accounts, clock, store }));
  app.use(commerceAdminRoutes({ coupons: commerce.coupons, memberships: commerce.memberships, catalog: catalogAdmin, accounts, clock, publicUrl }));
  app.use(dashboardRoutes({ analytics, clock }));
  app.use(feedbackAdminRoutes({ moderation: feedback.moderation, ratings: feedback.ratings, accounts, courses }));
  app.use(recommendationAdminRoutes({ recommendations: recs.service, catalog: catalogAdmin }));
  app.use(adminRoutes({ catalog: catalogAdmin, courses, enrolments, accounts, audit, covers: createCoverStore(config.uploadDir) }));

  app.use(notFoundHandler);
  app.use(csrfErrorTranslator);
  app.use(errorHandler({ showStack: config.env === 'development' }));
  return {
    app,
    payments,
    sandbox: pay.sandbox,
    flushEvents: () => analytics.buffer.flush(),
    buildRecommendations: (opts) => recs.builder.run(opts),
    sendRenewalReminders: () => commerce.reminders.runOnce(),
    jobs: {
      start() {
        pay.sandbox?.start();
        reconciler.start();
        analytics.jobs.start();
        recs.builder.start();
        commerce.reminders.start();
      },
      async stop() {
        await reconciler.stop();
        await commerce.reminders.stop();
        await recs.builder.stop();
        await pay.sandbox?.stop();
        // Last: the events of requests that finished while draining are written too.
        await analytics.jobs.stop();
      },
    },
  };
}
