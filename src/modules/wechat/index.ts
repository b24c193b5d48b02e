// The Official Account: WeChat login (OAuth), the shared access_token/jsapi_ticket cache, JS-SDK
// signing, the message server, the custom menu and template messages.
export { signJsapiConfig, encryptMessage, decryptMessage, wechatSignature } from './wechat-crypto.js';
export { createWechatApi, WechatApiError, type TemplateMessage, type WechatApi } from './wechat-api.js';
export { createTemplateSender, type TemplateSender } from './template-sender.js';
export { createTokenCache, type TokenCache } from './token-cache.js';
export { wechatOAuthRoutes, isWechatBrowser } from './oauth-routes.js';
export { jssdkRoutes } from './jssdk-routes.js';
export { messageRoutes, OA_TRACKING } from './message-routes.js';
export { menuProblems, resolveMenu, MenuSchema, type Menu } from './menu.js';
export { createWechatPrivacy } from './wechat-privacy.js';
