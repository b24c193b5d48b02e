import { describe, expect, it } from 'vitest';
import { listSandboxTemplateMessages } from '../../../src/modules/sandbox/official-account/index.js';
import { section } from '../../support/html.js';
import { createPlan, DAY_MS, lastBeijingDay, membershipApp, paidPlan, periodsOf, sandboxFollower } from '../../support/membership.js';
import { signedInLearner } from '../../support/wechat-pay.js';

// The renewal banner and the template-message reminders, against the real Official Account sandbox
// mounted in the listening app. Plans are bought with the clock at real time (the WeChat Pay sandbox
// checks the real-time stamps of the app's requests against it), then the clock is moved to the last
// days of the membership. Every test's plan has its own name, so what the sandbox recorded can be
// told apart from other tests' reminders sent by the same job run.
const ctx = membershipApp();
const { clock } = ctx;

let n = 0;
/** A learner (bound to a sandbox WeChat follower unless `openid: false`) with a live 30-day membership. */
async function member(o: { openid?: boolean } = {}) {
  const plan = await createPlan(ctx.t.db, { name: `提醒会员${++n}`, periodDays: 30, scope: 'all' });
  const openid = o.openid === false ? null : await sandboxFollower(ctx.t, `续费学员${n}`);
  const learner = await signedInLearner(ctx.t, openid ? { wechatOpenid: openid } : {});
  const bought = await paidPlan(ctx.t, learner.agent, plan.id);
  const [period] = await periodsOf(ctx.t.db, learner.user.id);
  return { ...learner, plan, openid, ...bought, endsAt: period!.ends_at };
}

const banner = async (agent: Awaited<ReturnType<typeof member>>['agent'], path = '/') => {
  const res = await agent.get(path);
  expect(res.status).toBe(200);
  return res.text.includes('data-testid="renewal-banner"') ? section(res.text, 'data-testid="renewal-banner"') : null;
};

const messagesAbout = async (planName: string) => (await listSandboxTemplateMessages(ctx.t.db)).filter((m) => (m.data.thing1 as { value?: string } | undefined)?.value === planName);
const remindersOf = (userId: number) => ctx.t.db('membership_reminders').where({ user_id: userId }).orderBy('id');

describe('the renewal banner', () => {
  it('shows on every page a member sees in the last 7 days, with the plan and its last day', async () => {
    const m = await member();
    expect(await banner(m.agent)).toBeNull();

    clock.set(new Date(m.endsAt.getTime() - 6 * DAY_MS));

    // ends_at is a Beijing midnight: six days before it is the start of a day five days before the last day.
    const home = await banner(m.agent, '/');
    expect(home).toContain(`你的「${m.plan.name}」还有 5 天到期（有效期至 ${lastBeijingDay(m.endsAt)}）`);
    expect(home).toContain('href="/membership"');
    expect(await banner(m.agent, '/me/orders')).toContain(m.plan.name);
    expect(await banner(m.agent, '/membership')).toContain(m.plan.name);
  });

  it('shows from exactly 7 days before the end, not 8 days before', async () => {
    const m = await member();

    clock.set(new Date(m.endsAt.getTime() - 8 * DAY_MS));
    expect(await banner(m.agent)).toBeNull();
    clock.set(new Date(m.endsAt.getTime() - 7 * DAY_MS - 1));
    expect(await banner(m.agent)).toBeNull();
    clock.set(new Date(m.endsAt.getTime() - 7 * DAY_MS));
    expect(await banner(m.agent)).toContain(m.plan.name);
  });

  it('goes once the member renews, and is not shown after the end', async () => {
    const m = await member();
    clock.set(new Date(m.endsAt.getTime() - 6 * DAY_MS));
    expect(await banner(m.agent)).toContain(m.plan.name);

    clock.set(new Date());
    await paidPlan(ctx.t, m.agent, m.plan.id);
    clock.set(new Date(m.endsAt.getTime() - 6 * DAY_MS));

    expect(await banner(m.agent)).toBeNull();
    const [, renewal] = await periodsOf(ctx.t.db, m.user.id);
    clock.set(new Date(renewal!.ends_at.getTime() - 2 * DAY_MS));
    expect(await banner(m.agent)).toContain(`有效期至 ${lastBeijingDay(renewal!.ends_at)}`);
    clock.set(renewal!.ends_at);
    expect(await banner(m.agent)).toBeNull();
  });

  it('is not shown to a visitor', async () => {
    const res = await fetch(`${ctx.t.baseUrl}/`);
    expect(await res.text()).not.toContain('data-testid="renewal-banner"');
  });
});

describe('sendRenewalReminders', () => {
  it('sends the member one template message through the Official Account, with the plan and the last day', async () => {
    const m = await member();
    clock.set(new Date(m.endsAt.getTime() - 6 * DAY_MS));

    const tally = await ctx.t.sendRenewalReminders();

    expect(tally.sent).toBeGreaterThanOrEqual(1);
    const sent = await listSandboxTemplateMessages(ctx.t.db, { touser: m.openid! });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      touser: m.openid,
      templateId: 'SANDBOX_TEMPLATE_RENEWAL',
      url: `${ctx.t.baseUrl}/membership`,
      data: { thing1: { value: m.plan.name }, time2: { value: `${lastBeijingDay(m.endsAt)} 23:59` }, thing3: { value: '5 天后到期，续费后有效期顺延' } },
    });
    expect(await remindersOf(m.user.id)).toEqual([expect.objectContaining({ plan_id: m.plan.id, kind: '7d', outcome: 'sent', detail: `msgid ${sent[0]!.msgid}` })]);
  });

  it('sends it once when the job runs twice', async () => {
    const m = await member();
    clock.set(new Date(m.endsAt.getTime() - 5 * DAY_MS));

    await ctx.t.sendRenewalReminders();
    clock.advance(10 * 60_000);
    await ctx.t.sendRenewalReminders();

    expect(await listSandboxTemplateMessages(ctx.t.db, { touser: m.openid! })).toHaveLength(1);
    expect(await remindersOf(m.user.id)).toHaveLength(1);
  });

  it('records no_openid for a learner without WeChat and sends nothing', async () => {
    const m = await member({ openid: false });
    clock.set(new Date(m.endsAt.getTime() - 6 * DAY_MS));

    await ctx.t.sendRenewalReminders();
    await ctx.t.sendRenewalReminders();

    expect(await remindersOf(m.user.id)).toEqual([expect.objectContaining({ plan_id: m.plan.id, kind: '7d', outcome: 'no_openid' })]);
    expect(await messagesAbout(m.plan.name)).toEqual([]);
  });

  it('sends it once when two runs overlap', async () => {
    const m = await member();
    clock.set(new Date(m.endsAt.getTime() - 4 * DAY_MS));

    await Promise.all([ctx.t.sendRenewalReminders(), ctx.t.sendRenewalReminders(), ctx.t.sendRenewalReminders()]);

    expect(await listSandboxTemplateMessages(ctx.t.db, { touser: m.openid! })).toHaveLength(1);
    expect(await remindersOf(m.user.id)).toEqual([expect.objectContaining({ kind: '7d', outcome: 'sent' })]);
  });

  it('records a refused message as failed and does not retry it', async () => {
    const m = await member({ openid: false });
    // An openid the Official Account does not know (someone who never followed it): WeChat answers 40003.
    await ctx.t.db('users').where({ id: m.user.id }).update({ wechat_openid: 'oNeverFollowed0000000000000' });
    clock.set(new Date(m.endsAt.getTime() - 6 * DAY_MS));

    await ctx.t.sendRenewalReminders();
    await ctx.t.sendRenewalReminders();

    expect(await remindersOf(m.user.id)).toEqual([expect.objectContaining({ kind: '7d', outcome: 'failed' })]);
    expect((await remindersOf(m.user.id))[0].detail).toContain('40003');
    expect(await messagesAbout(m.plan.name)).toEqual([]);
  });

  it('sends the 1-day reminder separately when the last day comes', async () => {
    const m = await member();
    clock.set(new Date(m.endsAt.getTime() - 6 * DAY_MS));
    await ctx.t.sendRenewalReminders();

    clock.set(new Date(m.endsAt.getTime() - 12 * 3_600_000));
    await ctx.t.sendRenewalReminders();
    await ctx.t.sendRenewalReminders();

    const sent = await listSandboxTemplateMessages(ctx.t.db, { touser: m.openid! });
    // Newest first. The last day's reminder says it ends today, as its time2 (that day, 23:59) does.
    expect(sent.map((s) => (s.data.thing3 as { value: string }).value)).toEqual(['今天到期，续费后有效期顺延', '5 天后到期，续费后有效期顺延']);
    expect(sent.map((s) => (s.data.time2 as { value: string }).value)).toEqual([`${lastBeijingDay(m.endsAt)} 23:59`, `${lastBeijingDay(m.endsAt)} 23:59`]);
    expect((await remindersOf(m.user.id)).map((r) => [r.kind, r.outcome])).toEqual([
      ['7d', 'sent'],
      ['1d', 'sent'],
    ]);
  });

  it('sends nothing more than 7 days before the end', async () => {
    const m = await member();
    clock.set(new Date(m.endsAt.getTime() - 8 * DAY_MS));

    await ctx.t.sendRenewalReminders();

    expect(await listSandboxTemplateMessages(ctx.t.db, { touser: m.openid! })).toEqual([]);
    expect(await remindersOf(m.user.id)).toEqual([]);
  });

  it('does not remind a member who renewed of the old end', async () => {
    const m = await member();
    await paidPlan(ctx.t, m.agent, m.plan.id);
    clock.set(new Date(m.endsAt.getTime() - 6 * DAY_MS));

    await ctx.t.sendRenewalReminders();

    expect(await listSandboxTemplateMessages(ctx.t.db, { touser: m.openid! })).toEqual([]);
    expect(await remindersOf(m.user.id)).toEqual([]);
  });

  it('sends nothing once the membership has ended', async () => {
    const m = await member();
    clock.set(m.endsAt);

    await ctx.t.sendRenewalReminders();

    expect(await listSandboxTemplateMessages(ctx.t.db, { touser: m.openid! })).toEqual([]);
    expect(await remindersOf(m.user.id)).toEqual([]);
  });
});
