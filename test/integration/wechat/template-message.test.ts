import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/platform/clock.js';
import { createLogger } from '../../../src/platform/logger.js';
import { listSandboxTemplateMessages, SANDBOX_OA } from '../../../src/modules/sandbox/official-account/index.js';
import { createTemplateSender, createTokenCache, createWechatApi, WechatApiError, type TemplateMessage } from '../../../src/modules/wechat/index.js';
import { startListeningApp, type ListeningApp } from '../../support/listening-app.js';
import { OA_MOUNT, sandboxStats } from './oa-harness.js';

// The app's side of template messages, talking over HTTP to the Official Account sandbox mounted in
// the listening app, with the shared token cache.
let t: ListeningApp;
let follower: string;
const log = createLogger('silent');
beforeAll(async () => {
  t = await startListeningApp();
  const res = await fetch(`${t.baseUrl}${OA_MOUNT}/sandbox/users`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ nickname: '续费同学' }) });
  follower = ((await res.json()) as { openid: string }).openid;
});
afterAll(async () => t?.close());
beforeEach(async () => {
  await t.db('sandbox_oa_template_messages').delete();
});

function client() {
  const api = createWechatApi({ apiBase: t.baseUrl + OA_MOUNT, appid: SANDBOX_OA.appid, appsecret: SANDBOX_OA.appsecret, log });
  const tokens = createTokenCache({ db: t.db, clock: systemClock, log, api });
  return { api, tokens, sender: createTemplateSender({ api, tokens, log }) };
}

const reminder = (over: Partial<TemplateMessage> = {}): TemplateMessage => ({
  touser: follower,
  templateId: t.config.officialAccount.renewalTemplateId!,
  url: `${t.baseUrl}/me/membership`,
  data: { thing1: '年度会员', time2: '2026年12月31日 23:59', thing3: '续费后可继续学习全部课程' },
  ...over,
});

const failure = (p: Promise<unknown>) => p.then(() => null, (err: unknown) => err);

describe('sendTemplateMessage', () => {
  it('sends the template over HTTP and answers the msgid with every one of its 19 digits', async () => {
    const { api, tokens } = client();

    const msgid = await api.sendTemplateMessage(await tokens.accessToken(), reminder({ clientMsgId: 'renewal-1' }));

    const [recorded] = await listSandboxTemplateMessages(t.db, { touser: follower });
    expect(msgid).toMatch(/^\d{19}$/);
    expect(recorded).toMatchObject({
      msgid,
      templateId: 'SANDBOX_TEMPLATE_RENEWAL',
      url: `${t.baseUrl}/me/membership`,
      clientMsgId: 'renewal-1',
      data: { thing1: { value: '年度会员' }, time2: { value: '2026年12月31日 23:59' }, thing3: { value: '续费后可继续学习全部课程' } },
    });
    // Beyond 2^53 a JSON number is rounded: only a lossless parse gives back the recorded id.
    expect(BigInt(msgid) > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
  });

  it('leaves url and client_msg_id out when not given', async () => {
    const { api, tokens } = client();
    await api.sendTemplateMessage(await tokens.accessToken(), reminder({ url: undefined }));
    expect(await listSandboxTemplateMessages(t.db)).toMatchObject([{ url: null, clientMsgId: null }]);
  });

  it('throws a WechatApiError carrying the errcode, and nothing is sent', async () => {
    const { api, tokens } = client();

    const unknownUser = await failure(api.sendTemplateMessage(await tokens.accessToken(), reminder({ touser: 'oNotAFollower000000000000000' })));
    const tooLong = await failure(api.sendTemplateMessage(await tokens.accessToken(), reminder({ data: { thing1: '年'.repeat(21), time2: '23:59', thing3: '备注' } })));

    expect(unknownUser).toBeInstanceOf(WechatApiError);
    expect((unknownUser as WechatApiError).errcode).toBe(40003);
    expect((tooLong as WechatApiError).errcode).toBe(47003);
    expect((tooLong as WechatApiError).errmsg).toBe('argument invalid! data.thing1.value invalid');
    expect(await listSandboxTemplateMessages(t.db)).toEqual([]);
  });
});

describe('the template sender', () => {
  it('refreshes a revoked access token once and sends the message once', async () => {
    const { tokens, sender } = client();
    await tokens.accessToken();
    const revoked = await fetch(`${t.baseUrl}${OA_MOUNT}/sandbox/expire-tokens`, { method: 'POST' });
    expect(revoked.status).toBe(200);
    const before = await sandboxStats(t);

    const msgid = await sender.send(reminder());

    expect((await sandboxStats(t)).stableTokenFetches).toBe(before.stableTokenFetches + 1);
    expect(await listSandboxTemplateMessages(t.db)).toMatchObject([{ msgid }]);
  });

  it('answers the first msgid when a send is repeated with the same clientMsgId', async () => {
    const { sender } = client();
    const first = await sender.send(reminder({ clientMsgId: 'renewal-2026-12' }));
    const again = await sender.send(reminder({ clientMsgId: 'renewal-2026-12' }));
    expect(again).toBe(first);
    expect(await listSandboxTemplateMessages(t.db)).toHaveLength(1);
  });

  it('passes an errcode other than an invalid token straight through, without refreshing the token', async () => {
    const { tokens, sender } = client();
    await tokens.accessToken();
    const before = await sandboxStats(t);

    const err = await failure(sender.send(reminder({ templateId: 'NO_SUCH_TEMPLATE' })));

    expect((err as WechatApiError).errcode).toBe(40037);
    expect((await sandboxStats(t)).stableTokenFetches).toBe(before.stableTokenFetches);
  });
});

describe('the renewal template in sandbox mode', () => {
  it('defaults to a template the sandbox account lists', async () => {
    const { tokens } = client();
    const res = await fetch(`${t.baseUrl}${OA_MOUNT}/cgi-bin/template/get_all_private_template?access_token=${encodeURIComponent(await tokens.accessToken())}`);
    const { template_list } = (await res.json()) as { template_list: { template_id: string; title: string }[] };

    expect(t.config.officialAccount).toMatchObject({ mode: 'sandbox', renewalTemplateId: 'SANDBOX_TEMPLATE_RENEWAL' });
    expect(template_list).toContainEqual(expect.objectContaining({ template_id: t.config.officialAccount.renewalTemplateId, title: '会员到期提醒' }));
  });
});
