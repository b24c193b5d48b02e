import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CLIENT_MSG_ID_WINDOW_MS, listSandboxTemplateMessages, SANDBOX_TEMPLATES } from '../../../src/modules/sandbox/official-account/index.js';
import { APPID, SECRET, startOaSandbox, type RunningOaSandbox } from './official-account-harness.js';

let s: RunningOaSandbox;
let follower: string;
beforeAll(async () => {
  s = await startOaSandbox();
  follower = await newUser('会员同学');
});
afterAll(async () => s.close());
beforeEach(async () => {
  await s.db('sandbox_oa_template_messages').delete();
});

async function newUser(nickname: string): Promise<string> {
  const res = await fetch(`${s.base}/sandbox/users`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ nickname }) });
  expect(res.status).toBe(201);
  return ((await res.json()) as { openid: string }).openid;
}

const token = async () => (await s.get(`/cgi-bin/token?grant_type=client_credential&appid=${APPID}&secret=${SECRET}`)).access_token as string;

/** The raw answer too: msgid is a 19-digit JSON number, which res.json() would round. */
async function send(body: unknown, accessToken?: string): Promise<{ text: string; json: Record<string, unknown> }> {
  const t = accessToken ?? (await token());
  const res = await fetch(`${s.base}/cgi-bin/message/template/send?access_token=${encodeURIComponent(t)}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  const text = await res.text();
  return { text, json: JSON.parse(text) as Record<string, unknown> };
}

const msgidIn = (text: string) => /"msgid":(\d+)/.exec(text)?.[1];

const renewal = (over: Record<string, unknown> = {}, data: Record<string, unknown> = {}) => ({
  touser: follower,
  template_id: 'SANDBOX_TEMPLATE_RENEWAL',
  url: 'http://127.0.0.1:3000/me/membership',
  data: { thing1: { value: '年度会员' }, time2: { value: '2026年12月31日 23:59' }, thing3: { value: '续费后可继续学习全部课程', color: '#173177' }, ...data },
  ...over,
});

const rows = () => s.db('sandbox_oa_template_messages').count({ n: '*' }).first().then((r) => Number(r?.n));

describe('POST /cgi-bin/message/template/send', () => {
  it('records an accepted message and answers its msgid as a 19-digit JSON number', async () => {
    const { text, json } = await send(renewal({ client_msg_id: 'renewal-42' }));

    expect(text).toMatch(/^\{"errcode":0,"errmsg":"ok","msgid":[1-9]\d{18}\}$/);
    expect(json).toMatchObject({ errcode: 0, errmsg: 'ok' });
    const [recorded] = await listSandboxTemplateMessages(s.db, { touser: follower });
    expect(recorded).toEqual({
      msgid: msgidIn(text),
      touser: follower,
      templateId: 'SANDBOX_TEMPLATE_RENEWAL',
      url: 'http://127.0.0.1:3000/me/membership',
      data: renewal().data,
      clientMsgId: 'renewal-42',
      createdAt: s.clock.now(),
    });
    expect(await rows()).toBe(1);
  });

  it('accepts a message without url or client_msg_id and records them as null', async () => {
    const { url: _url, ...withoutUrl } = renewal();
    const { json } = await send(withoutUrl);
    expect(json).toMatchObject({ errcode: 0 });
    expect(await listSandboxTemplateMessages(s.db)).toMatchObject([{ url: null, clientMsgId: null }]);
  });

  it.each([
    ['an unknown token', 'nosuchtoken', { errcode: 40001, errmsg: 'invalid credential, access_token is invalid or not latest' }],
    ['no token', '', { errcode: 41001, errmsg: 'access_token missing' }],
  ])('answers %s with its errcode before reading the body, and records nothing', async (_name, t, answer) => {
    expect((await send('{broken', t)).json).toEqual(answer);
    expect((await send(renewal(), t)).json).toEqual(answer);
    expect(await rows()).toBe(0);
  });

  it('answers 42001 once the access_token is two hours old', async () => {
    const t = await token();
    s.clock.advance(7200_000);
    expect((await send(renewal(), t)).json).toEqual({ errcode: 42001, errmsg: 'access_token expired' });
    expect(await rows()).toBe(0);
  });

  it('answers 40003 for an openid that is not a follower of the sandbox account', async () => {
    expect((await send(renewal({ touser: 'oNotAFollower000000000000000' }))).json).toEqual({ errcode: 40003, errmsg: 'invalid openid' });
    expect(await rows()).toBe(0);
  });

  it('answers 40037 for a template the account does not have', async () => {
    expect((await send(renewal({ template_id: 'NO_SUCH_TEMPLATE' }))).json).toEqual({ errcode: 40037, errmsg: 'invalid template_id' });
    expect(await rows()).toBe(0);
  });

  it('takes a thing value of 20 characters and refuses 21 with 47003 naming the key', async () => {
    expect((await send(renewal({}, { thing3: { value: '课'.repeat(20) } }))).json).toMatchObject({ errcode: 0 });
    expect((await send(renewal({}, { thing3: { value: '课'.repeat(21) } }))).json).toEqual({ errcode: 47003, errmsg: 'argument invalid! data.thing3.value invalid' });
    expect(await rows()).toBe(1);
  });

  it.each([
    ['a key left out', { time2: undefined }, 'argument invalid! data.time2.value is empty'],
    ['an empty value', { thing1: { value: '' } }, 'argument invalid! data.thing1.value is empty'],
    ['a line break in a thing', { thing1: { value: '年度\n会员' } }, 'argument invalid! data.thing1.value invalid'],
    ['a bare date for a time key', { time2: { value: '2026-12-31' } }, 'argument invalid! data.time2.value invalid'],
    ['a full-width ～ in a time span', { time2: { value: '09:00～18:00' } }, 'argument invalid! data.time2.value invalid'],
    ['a value that is an object', { thing1: { value: { text: '年度会员' } } }, 'argument invalid! data.thing1.value invalid'],
  ])('refuses %s with 47003', async (_name, data, errmsg) => {
    expect((await send(renewal({}, data))).json).toEqual({ errcode: 47003, errmsg });
    expect(await rows()).toBe(0);
  });

  it.each(['2026年12月31日 23:59', '2026-12-31 23:59:59', '23:59', '12月31日 08:00~12月31日 09:30'])('takes %s as a time value', async (value) => {
    expect((await send(renewal({}, { time2: { value } }))).json).toMatchObject({ errcode: 0 });
  });

  it('checks the keys of the template used: an amount and a character_string', async () => {
    const purchase = (amount: string, order = 'ZF202612010001') => ({
      touser: follower,
      template_id: 'SANDBOX_TEMPLATE_PURCHASE',
      data: { character_string1: { value: order }, thing2: { value: '零基础学摄影' }, amount3: { value: amount }, time4: { value: '2026年12月1日 20:30' } },
    });
    expect((await send(purchase('¥99.00'))).json).toMatchObject({ errcode: 0 });
    expect((await send(purchase('九十九元'))).json).toEqual({ errcode: 47003, errmsg: 'argument invalid! data.amount3.value invalid' });
    expect((await send(purchase('¥99.00', '订单一号'))).json).toEqual({ errcode: 47003, errmsg: 'argument invalid! data.character_string1.value invalid' });
  });

  it.each([
    ['no data', renewal({ data: undefined })],
    ['data that is a list', renewal({ data: [] })],
    ['no touser', renewal({ touser: undefined })],
    ['no template_id', renewal({ template_id: undefined })],
    ['a url that is not a string', renewal({ url: 42 })],
    ['a body that is not an object', '[1,2]'],
    ['a body that is not JSON', '{"touser":'],
  ])('answers 47001 data format error for %s', async (_name, body) => {
    expect((await send(body)).json).toEqual({ errcode: 47001, errmsg: 'data format error' });
    expect(await rows()).toBe(0);
  });

  it('answers 44002 for an empty body', async () => {
    expect((await send('')).json).toEqual({ errcode: 44002, errmsg: 'empty post data' });
  });
});

describe('client_msg_id', () => {
  it('answers the first msgid for a repeat within 10 minutes and records one message', async () => {
    const first = msgidIn((await send(renewal({ client_msg_id: 'remind-2026-12' }))).text);
    s.clock.advance(CLIENT_MSG_ID_WINDOW_MS - 1000);
    const again = msgidIn((await send(renewal({ client_msg_id: 'remind-2026-12' }))).text);

    expect(again).toBe(first);
    expect(await listSandboxTemplateMessages(s.db)).toMatchObject([{ msgid: first }]);
  });

  it('sends again once the 10 minutes are over, and never dedups another user or another id', async () => {
    const other = await newUser('另一位同学');
    const first = msgidIn((await send(renewal({ client_msg_id: 'remind-A' }))).text);
    const toOther = msgidIn((await send(renewal({ client_msg_id: 'remind-A', touser: other }))).text);
    const otherId = msgidIn((await send(renewal({ client_msg_id: 'remind-B' }))).text);
    s.clock.advance(CLIENT_MSG_ID_WINDOW_MS);
    const later = msgidIn((await send(renewal({ client_msg_id: 'remind-A' }))).text);

    expect(new Set([first, toOther, otherId, later]).size).toBe(4);
    expect(await rows()).toBe(4);
  });
});

describe('GET /cgi-bin/template/get_all_private_template', () => {
  it("lists the account's templates in WeChat's shape, the renewal reminder among them", async () => {
    const { template_list } = await s.get(`/cgi-bin/template/get_all_private_template?access_token=${encodeURIComponent(await token())}`);
    expect(template_list).toEqual(SANDBOX_TEMPLATES);
    expect(template_list).toContainEqual(expect.objectContaining({ template_id: 'SANDBOX_TEMPLATE_RENEWAL', title: '会员到期提醒', content: expect.stringContaining('{{thing1.DATA}}') }));
    for (const t of template_list as Record<string, unknown>[]) expect(Object.keys(t).sort()).toEqual(['content', 'deputy_industry', 'example', 'primary_industry', 'template_id', 'title']);
  });

  it('answers 40001 for an unknown token', async () => {
    expect(await s.get('/cgi-bin/template/get_all_private_template?access_token=nosuchtoken')).toMatchObject({ errcode: 40001 });
  });
});

describe('GET /sandbox/template-messages', () => {
  it("answers one user's messages newest first, msgid as a string with every digit", async () => {
    const other = await newUser('第三位同学');
    const a = msgidIn((await send(renewal({}, { thing1: { value: '月度会员' } }))).text);
    await send(renewal({ touser: other }));
    const b = msgidIn((await send(renewal({}, { thing1: { value: '年度会员' } }))).text);

    const mine = await s.get(`/sandbox/template-messages?touser=${follower}`);
    const everyone = await s.get('/sandbox/template-messages');

    expect(mine).toEqual({ messages: [expect.objectContaining({ msgid: b, touser: follower }), expect.objectContaining({ msgid: a, data: expect.objectContaining({ thing1: { value: '月度会员' } }) })] });
    expect((everyone.messages as unknown[]).length).toBe(3);
  });
});
