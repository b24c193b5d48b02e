/** The Official Account (公众号) the site serves, or the built-in sandbox standing in for it. */
export type OfficialAccountConfig =
  | { mode: 'sandbox' }
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
    };

/**
 * No secret, token or AES key → sandbox mode. Any of them → live mode, where the app id, secret and
 * token are all required: a partial configuration is a start-up error naming what is missing.
 */
export function parseOfficialAccountConfig(env: Record<string, string | undefined>, problems: string[]): OfficialAccountConfig {
  const given = (n: string) => env[n] !== undefined && env[n] !== '';
  if (!given('WECHAT_APPSECRET') && !given('WECHAT_TOKEN') && !given('WECHAT_ENCODING_AES_KEY')) return { mode: 'sandbox' };
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
  };
}
