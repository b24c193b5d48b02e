import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../config/environment.js';
import { systemClock } from '../platform/clock.js';
import { createTokenCache, createWechatApi, menuProblems, resolveMenu } from '../modules/wechat/index.js';
import { withCliContext } from './cli-context.js';

// npm run wechat:menu: validates src/config/wechat-menu.json against WeChat's limits and pushes it.
await withCliContext(async ({ config, db, logger }) => {
  const oa = config.officialAccount;
  if (oa.mode !== 'live') throw new Error('WeChat is in sandbox mode: set WECHAT_APPID, WECHAT_APPSECRET and WECHAT_TOKEN to push the menu.');
  if (!config.publicUrl) throw new Error('PUBLIC_URL is required: menu links must point at the public address.');
  const template: unknown = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'src/config/wechat-menu.json'), 'utf8'));
  const menu = resolveMenu(template, config.publicUrl);
  const problems = menuProblems(menu);
  if (problems.length > 0) throw new Error(`菜单不符合微信的限制：\n  ${problems.join('\n  ')}`);
  const api = createWechatApi({ apiBase: oa.apiBase, appid: oa.appid, appsecret: oa.appsecret, log: logger });
  const tokens = createTokenCache({ db, clock: systemClock, log: logger, api });
  await tokens.withAccessToken((token) => api.createMenu(token, menu));
  process.stdout.write(`Menu pushed: ${menu.button.map((b) => b.name).join(' | ')}\n`);
});
