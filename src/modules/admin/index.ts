// The creator's admin area: pages and forms over other modules' public surfaces. Owns no tables.
export { adminRoutes } from './admin-routes.js';
export { orderAdminRoutes } from './order-admin-routes.js';
export { createCoverStore, MAX_COVER_BYTES, type CoverStore } from './cover-store.js';
export { feedbackAdminRoutes } from './feedback-admin-routes.js';
export { dashboardRoutes } from './dashboard-routes.js';
export { recommendationAdminRoutes } from './recommendation-admin-routes.js';
export { commerceAdminRoutes } from './commerce-admin-routes.js';
