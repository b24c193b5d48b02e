import { describe, expect, it } from 'vitest';
import os from 'node:os';
import { loadConfig } from '../../../src/config/config.js';
import { parseOfficialAccountConfig } from '../../../src/config/wechat-config.js';

const LIVE = { WECHAT_APPID: 'wx1234567890abcdef', WECHAT_APPSECRET: 'secret', WECHAT_TOKEN: 'token123' };
const AES = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';

function parse(env: Record<string, string | undefined>) {
  const problems: string[] = [];
  return { config: parseOfficialAccountConfig(env, problems), problems };
}

describe('the Official Account configuration', () => {
  it('is the sandbox when no secret, token or AES key is given (an app id alone changes nothing)', () => {
    expect(parse({})).toEqual({ config: { mode: 'sandbox', renewalTemplateId: 'SANDBOX_TEMPLATE_RENEWAL' }, problems: [] });
    expect(parse({ WECHAT_APPID: 'wx1234567890abcdef', WECHAT_APPSECRET: '' })).toEqual({ config: { mode: 'sandbox', renewalTemplateId: 'SANDBOX_TEMPLATE_RENEWAL' }, problems: [] });
  });

  it("is live with WeChat's own hosts once app id, secret and token are given", () => {
    expect(parse(LIVE)).toEqual({
      config: { mode: 'live', appid: LIVE.WECHAT_APPID, appsecret: 'secret', token: 'token123', encodingAesKey: null, oauthBase: 'https://open.weixin.qq.com', apiBase: 'https://api.weixin.qq.com', renewalTemplateId: null },
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

describe('WECHAT_TEMPLATE_RENEWAL_ID', () => {
  const TEMPLATE = 'ngqIpbwh8bUfcSsECmogfXcV14J0tQlEpBO27izEYtY';

  it("defaults to the sandbox's renewal template in sandbox mode, and can be pointed at another", () => {
    expect(parse({}).config.renewalTemplateId).toBe('SANDBOX_TEMPLATE_RENEWAL');
    expect(parse({ WECHAT_TEMPLATE_RENEWAL_ID: '' }).config.renewalTemplateId).toBe('SANDBOX_TEMPLATE_RENEWAL');
    expect(parse({ WECHAT_TEMPLATE_RENEWAL_ID: 'SANDBOX_TEMPLATE_PURCHASE' }).config.renewalTemplateId).toBe('SANDBOX_TEMPLATE_PURCHASE');
  });

  it('is optional in live mode: unset or empty means no template reminders', () => {
    expect(parse(LIVE)).toMatchObject({ config: { mode: 'live', renewalTemplateId: null }, problems: [] });
    expect(parse({ ...LIVE, WECHAT_TEMPLATE_RENEWAL_ID: '  ' })).toMatchObject({ config: { renewalTemplateId: null }, problems: [] });
  });

  it('takes the console template id in live mode, without surrounding spaces', () => {
    expect(parse({ ...LIVE, WECHAT_TEMPLATE_RENEWAL_ID: ` ${TEMPLATE} ` })).toMatchObject({ config: { mode: 'live', renewalTemplateId: TEMPLATE }, problems: [] });
  });

  it('reaches the Config object as officialAccount.renewalTemplateId', () => {
    expect(loadConfig({}, os.tmpdir()).officialAccount.renewalTemplateId).toBe('SANDBOX_TEMPLATE_RENEWAL');
    expect(loadConfig({ ...LIVE, WECHAT_TEMPLATE_RENEWAL_ID: TEMPLATE }, os.tmpdir()).officialAccount.renewalTemplateId).toBe(TEMPLATE);
  });

  it.each([
    ['a pasted title', '会员到期提醒'],
    ['a URL', 'https://mp.weixin.qq.com/template'],
    ['65 characters', 'a'.repeat(65)],
  ])('refuses %s, naming the variable', (_name, value) => {
    expect(parse({ ...LIVE, WECHAT_TEMPLATE_RENEWAL_ID: value }).problems).toEqual([expect.stringMatching(/^WECHAT_TEMPLATE_RENEWAL_ID: must be a template id/)]);
  });
});
