// The Official Account: WeChat login (OAuth), the shared access_token/jsapi_ticket cache, JS-SDK
// signing, the message server and the custom menu.
export { signJsapiConfig, encryptMessage, decryptMessage, wechatSignature } from './wechat-crypto.js';
export { createWechatApi, WechatApiError, type WechatApi } from './wechat-api.js';
export { createTokenCache, type TokenCache } from './token-cache.js';
export { wechatOAuthRoutes, isWechatBrowser } from './oauth-routes.js';
export { jssdkRoutes } from './jssdk-routes.js';
export { messageRoutes, OA_TRACKING } from './message-routes.js';
export { menuProblems, resolveMenu, MenuSchema, type Menu } from './menu.js';
export { createWechatPrivacy } from './wechat-privacy.js';
