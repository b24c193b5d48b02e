/**
 * The sandbox Official Account's credentials. Sandbox-only, public on purpose: the app uses them in
 * sandbox mode, `npm run wechat:send` signs and encrypts with them, and they mean nothing to WeChat.
 */
export const SANDBOX_OA = Object.freeze({
  appid: 'wx8888888888888888',
  appsecret: 'a3f1c9e27b4d8f6051e2c7a9d3b8f4e6',
  token: 'zhifusandboxtoken',
  encodingAesKey: 'ZhifuSandboxEncodingAesKey0123456789abcdefg',
});

/** The account's original id (原始ID), the ToUserName of every message. */
export const SANDBOX_OA_ORIGINAL_ID = 'gh_sandbox';
