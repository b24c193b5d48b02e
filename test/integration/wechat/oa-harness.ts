// Driving WeChat login the way a browser does: our /auth/wechat redirects to the Official Account
// sandbox's authorize page (mounted in the listening app), the test reads that page's form, consents
// (or refuses) and follows the redirect back to /auth/wechat/callback with the same cookie jar.
import request from 'supertest';
import { expect } from 'vitest';
import { tagsIn } from '../../support/html.js';
import type { ListeningApp } from '../../support/listening-app.js';

export const OA_MOUNT = '/__sandbox/wechat';
export const WECHAT_UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN';

export type Agent = ReturnType<typeof request.agent>;

/** A cookie-keeping browser talking to the listening app over real HTTP. */
export const browserFor = (t: ListeningApp): Agent => request.agent(t.baseUrl);

/** The path and query of an absolute URL on the app's own origin (fails the test when it is elsewhere). */
export function localPath(t: ListeningApp, location: string | undefined): string {
  expect(location, 'a Location header').toBeTruthy();
  const url = new URL(location!, t.baseUrl);
  expect(url.origin).toBe(t.baseUrl);
  return url.pathname + url.search;
}

/** The hidden fields and action of the sandbox's consent form. */
export function consentForm(html: string): { action: string; fields: Record<string, string> } {
  const tags = tagsIn(html);
  const form = tags.find((tag) => tag.name === 'form');
  if (!form) throw new Error(`no form on the authorize page: ${html.slice(0, 300)}`);
  const fields: Record<string, string> = {};
  for (const tag of tags) if (tag.name === 'input' && tag.attrs.type === 'hidden') fields[tag.attrs.name!] = tag.attrs.value ?? '';
  return { action: form.attrs.action!, fields };
}

/** GET /auth/wechat and check it sends the browser to the sandbox's authorize URL; returns that URL. */
export async function beginWechatLogin(t: ListeningApp, agent: Agent, query: string): Promise<URL> {
  const res = await agent.get(`/auth/wechat?${query}`);
  expect(res.status).toBe(302);
  const url = new URL(res.headers.location!);
  expect(url.origin + url.pathname).toBe(`${t.baseUrl}${OA_MOUNT}/connect/oauth2/authorize`);
  expect(url.hash).toBe('#wechat_redirect');
  return url;
}

export interface ConsentChoice {
  user?: string;
  nickname?: string;
  snapshot?: boolean;
  decision?: 'allow' | 'deny';
}

/** Opens the authorize page and submits its form; returns the sandbox's answer (a 302 back to us). */
export async function consent(t: ListeningApp, agent: Agent, authorize: URL, choice: ConsentChoice = {}) {
  const page = await agent.get(localPath(t, authorize.toString()));
  expect(page.status).toBe(200);
  const { action, fields } = consentForm(page.text);
  const body: Record<string, string> = { ...fields, user: choice.user ?? 'new', nickname: choice.nickname ?? '微信同学', decision: choice.decision ?? 'allow' };
  if (choice.snapshot) body.snapshot = '1';
  return agent.post(action).type('form').send(body);
}

/** The full round trip; returns the callback's response and the callback URL the sandbox sent us to. */
export async function wechatLogin(t: ListeningApp, agent: Agent, opts: ConsentChoice & { scope?: 'snsapi_base' | 'snsapi_userinfo'; next?: string } = {}) {
  const authorize = await beginWechatLogin(t, agent, new URLSearchParams({ scope: opts.scope ?? 'snsapi_userinfo', next: opts.next ?? '/me/courses' }).toString());
  const back = await consent(t, agent, authorize, opts);
  expect(back.status).toBe(302);
  const callback = localPath(t, back.headers.location);
  expect(callback.startsWith('/auth/wechat/callback?')).toBe(true);
  const res = await agent.get(callback);
  return { res, callback, authorize };
}

/** The sandbox's call counters (stable_token, ticket, token fetches). */
export async function sandboxStats(t: ListeningApp): Promise<{ tokenFetches: number; stableTokenFetches: number; ticketFetches: number }> {
  const res = await fetch(`${t.baseUrl}${OA_MOUNT}/sandbox/stats`);
  expect(res.status).toBe(200);
  return (await res.json()) as { tokenFetches: number; stableTokenFetches: number; ticketFetches: number };
}

/** The nickname in the page header, or null for a visitor. */
export function headerUser(html: string): string | null {
  const m = /data-testid="current-user">你好，([^<]*)</.exec(html);
  return m ? m[1]! : null;
}
