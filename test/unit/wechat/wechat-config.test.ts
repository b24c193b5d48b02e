import { describe, expect, it } from 'vitest';
import { parseOfficialAccountConfig } from '../../../src/config/wechat-config.js';

const LIVE = { WECHAT_APPID: 'wx1234567890abcdef', WECHAT_APPSECRET: 'secret', WECHAT_TOKEN: 'token123' };
const AES = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';

function parse(env: Record<string, string | undefined>) {
  const problems: string[] = [];
  return { config: parseOfficialAccountConfig(env, problems), problems };
}

describe('the Official Account configuration', () => {
  it('is the sandbox when no secret, token or AES key is given (an app id alone changes nothing)', () => {
    expect(parse({})).toEqual({ config: { mode: 'sandbox' }, problems: [] });
    expect(parse({ WECHAT_APPID: 'wx1234567890abcdef', WECHAT_APPSECRET: '' })).toEqual({ config: { mode: 'sandbox' }, problems: [] });
  });

  it("is live with WeChat's own hosts once app id, secret and token are given", () => {
    expect(parse(LIVE)).toEqual({
      config: { mode: 'live', appid: LIVE.WECHAT_APPID, appsecret: 'secret', token: 'token123', encodingAesKey: null, oauthBase: 'https://open.weixin.qq.com', apiBase: 'https://api.weixin.qq.com' },
      problems: [],
    });
  });

  it('takes an EncodingAESKey and other hosts, without their trailing slash', () => {
    const { config, problems } = parse({ ...LIVE, WECHAT_ENCODING_AES_KEY: AES, WECHAT_OAUTH_BASE: 'https://oauth.test/', WECHAT_API_BASE: 'https://api.test/' });
    expect(problems).toEqual([]);
    expect(config).toMatchObject({ encodingAesKey: AES, oauthBase: 'https://oauth.test', apiBase: 'https://api.test' });
  });

  it.each([
    ['only a secret', { WECHAT_APPSECRET: 's' }, ['WECHAT_APPID', 'WECHAT_TOKEN']],
    ['only a token', { WECHAT_TOKEN: 'token123' }, ['WECHAT_APPID', 'WECHAT_APPSECRET']],
    ['only an AES key', { WECHAT_ENCODING_AES_KEY: AES }, ['WECHAT_APPID', 'WECHAT_APPSECRET', 'WECHAT_TOKEN']],
  ])('names what is missing when given %s', (_name, env, missing) => {
    const { problems } = parse(env);
    expect(problems.map((p) => p.split(':')[0])).toEqual(missing);
  });

  it.each([
    ['a token with punctuation', { WECHAT_TOKEN: 'tok-en!' }, /^WECHAT_TOKEN: 3-32 letters or digits/],
    ['a two-character token', { WECHAT_TOKEN: 'ab' }, /^WECHAT_TOKEN:/],
    ['an AES key of 42 characters', { WECHAT_ENCODING_AES_KEY: AES.slice(1) }, /^WECHAT_ENCODING_AES_KEY: must be the 43-character/],
  ])('refuses %s', (_name, env, message) => {
    expect(parse({ ...LIVE, ...env }).problems).toEqual([expect.stringMatching(message)]);
  });
});
