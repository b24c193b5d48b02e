import request from 'supertest';
import type { Express } from 'express';

/** The hidden CSRF token of the first form on a page. */
export function csrfFrom(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no CSRF token on the page');
  return m[1]!;
}

/** A cookie-keeping client, like one browser. */
export function browser(app: Express) {
  return request.agent(app);
}

type Agent = ReturnType<typeof browser>;

/** Opens `page`, then posts `fields` to `action` with the page's CSRF token, as a browser would. */
export async function submitForm(agent: Agent, page: string, action: string, fields: Record<string, string>) {
  const form = await agent.get(page);
  return agent.post(action).type('form').send({ _csrf: csrfFrom(form.text), ...fields });
}

export async function register(agent: Agent, username: string, password = 'correct horse battery') {
  return submitForm(agent, '/register', '/register', { username, password, password_confirm: password });
}

export async function logIn(agent: Agent, username: string, password = 'correct horse battery') {
  return submitForm(agent, '/login', '/login', { username, password });
}
