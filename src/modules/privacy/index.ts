// Privacy: 我的数据 (export) and 注销账号 (erasure) over every module's data, and the privacy page.
// Owns no tables: each module says what it holds about a learner and erases it in one transaction.
export { createPrivacyService, type PrivacyService } from './privacy-service.js';
export { privacyRoutes } from './privacy-routes.js';
