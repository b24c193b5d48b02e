// Payments: orders, the WeChat Pay client, the notify webhook, refunds and reconciliation.
// Notifications repeat, arrive out of order and in parallel: see README.md.
export { createPaymentService, newOutTradeNo, type CheckoutProduct, type PaymentService } from './payment-service.js';
export { createWechatPayClient, WechatPayError, type WechatPayClient } from './wechatpay-client.js';
export { createReconciler, type Reconciler } from './reconciler.js';
export { orderItem, orderPrice, paymentRoutes, paymentNotifyRoutes, type PaymentPageOptions, type Storefront } from './payment-routes.js';
export { decryptResource, verifyWechatSignature, jsapiPayParams, WechatPayKeyring } from './wechatpay-crypto.js';
export type { Order, OrderFilter, OrderPricing, OrderStatus, OrderTotals, Purchasable, Refund, Reservation } from './order.js';
export { learnerStatusLabel, refundView, ORDER_STATUS_LABELS, REFUND_STATUS_LABELS } from './order-view.js';
export { createPaymentPrivacy } from './payment-privacy.js';
