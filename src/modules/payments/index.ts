// Payments: orders, the WeChat Pay client, the notify webhook, refunds and reconciliation.
// Notifications repeat, arrive out of order and in parallel: see README.md.
export { createPaymentService, newOutTradeNo, type PaymentService } from './payment-service.js';
export { createWechatPayClient, WechatPayError, type WechatPayClient } from './wechatpay-client.js';
export { createReconciler, type Reconciler } from './reconciler.js';
export { paymentRoutes, paymentNotifyRoutes, type PaymentPageOptions } from './payment-routes.js';
export { decryptResource, verifyWechatSignature, jsapiPayParams, WechatPayKeyring } from './wechatpay-crypto.js';
export type { Order, OrderFilter, OrderStatus, OrderTotals, Refund } from './order.js';
export { learnerStatusLabel, refundView, ORDER_STATUS_LABELS, REFUND_STATUS_LABELS } from './order-view.js';
export { createPaymentPrivacy } from './payment-privacy.js';
