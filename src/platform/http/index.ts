export { KnexSessionStore } from './session-store.js';
export { sessionMiddleware, SESSION_COOKIE, type FlashMessage } from './session.js';
export { setFlash, takeFlash } from './flash.js';
export { csrfProtection, csrfErrorTranslator } from './csrf.js';
export { fieldErrors, formValues, safeReturnPath } from './validation.js';
export { limitRequests, KnexRateLimitStore } from './rate-limit.js';
export { errorHandler, notFoundHandler } from './error-handler.js';
export { securityHeaders } from './security-headers.js';
export { requestLogger } from './request-logger.js';
