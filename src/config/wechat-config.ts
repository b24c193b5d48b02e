/**
 * The sandbox account's 会员到期提醒 template. Written out here, not imported: config reads no module,
 * and the sandbox is a peer the app knows only over HTTP (a test checks the sandbox lists this id).
 */
export const SANDBOX_RENEWAL_TEMPLATE_ID = 'SANDBOX_TEMPLATE_RENEWAL';

/** The Official Account (公众号) the site serves, or the built-in sandbox standing in for it. */
export type OfficialAccountConfig =
  | {
      mode: 'sandbox';
      /** WECHAT_TEMPLATE_RENEWAL_ID, else the sandbox's renewal template. */
      renewalTemplateId: string;
    }
  | {
      mode: 'live';
      appid: string;
      appsecret: string;
      /** The message-server token set in the Official Account console. */
      token: string;
      /** 43 characters; absent means plaintext message mode only. */
      encodingAesKey: string | null;
      oauthBase: string;
      apiBase: string;
      /** The membership renewal reminder template; null: no template reminders, only the on-site banner. */
      renewalTemplateId: string | null;
    };

/** Template ids from the console are letters, digits, `-` and `_` (43 of them at WeChat). */
const TEMPLATE_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

/** An optional template id variable: unset or empty → null. */
function templateId(env: Record<string, string | undefined>, name: string, problems: string[]): string | null {
  const value = env[name]?.trim() || null;
  if (value !== null && !TEMPLATE_ID_RE.test(value)) problems.push(`${name}: must be a template id from the Official Account console (letters, digits, - and _)`);
  return value;
}

/**
 * No secret, token or AES key → sandbox mode. Any of them → live mode, where the app id, secret and
 * token are all required: a partial configuration is a start-up error naming what is missing.
 */
export function parseOfficialAccountConfig(env: Record<string, string | undefined>, problems: string[]): OfficialAccountConfig {
  const given = (n: string) => env[n] !== undefined && env[n] !== '';
  const renewalTemplateId = templateId(env, 'WECHAT_TEMPLATE_RENEWAL_ID', problems);
  if (!given('WECHAT_APPSECRET') && !given('WECHAT_TOKEN') && !given('WECHAT_ENCODING_AES_KEY')) return { mode: 'sandbox', renewalTemplateId: renewalTemplateId ?? SANDBOX_RENEWAL_TEMPLATE_ID };
  for (const n of ['WECHAT_APPID', 'WECHAT_APPSECRET', 'WECHAT_TOKEN']) {
    if (!given(n)) problems.push(`${n}: required when the Official Account is configured (or remove WECHAT_APPSECRET/WECHAT_TOKEN/WECHAT_ENCODING_AES_KEY for sandbox mode)`);
  }
  const token = env.WECHAT_TOKEN ?? '';
  if (token && !/^[A-Za-z0-9]{3,32}$/.test(token)) problems.push('WECHAT_TOKEN: 3-32 letters or digits, as the Official Account console requires');
  const aes = env.WECHAT_ENCODING_AES_KEY || null;
  if (aes !== null && !/^[A-Za-z0-9]{43}$/.test(aes)) problems.push('WECHAT_ENCODING_AES_KEY: must be the 43-character EncodingAESKey');
  return {
    mode: 'live',
    appid: env.WECHAT_APPID ?? '',
    appsecret: env.WECHAT_APPSECRET ?? '',
    token,
    encodingAesKey: aes,
    oauthBase: (env.WECHAT_OAUTH_BASE || 'https://open.weixin.qq.com').replace(/\/$/, ''),
    apiBase: (env.WECHAT_API_BASE || 'https://api.weixin.qq.com').replace(/\/$/, ''),
    renewalTemplateId,
  };
}
