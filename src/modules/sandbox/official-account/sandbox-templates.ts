import { wx } from './oa-errors.js';

/** A template in the account's 我的模板 list, in WeChat's get_all_private_template shape. */
export interface SandboxTemplate {
  template_id: string;
  title: string;
  primary_industry: string;
  deputy_industry: string;
  /** `label:{{key.DATA}}` lines; the keys are what `data` must fill. */
  content: string;
  example: string;
}

/**
 * The sandbox account's templates. Ids are readable on purpose (WeChat's are 43 random characters):
 * the app's sandbox-mode default for WECHAT_TEMPLATE_RENEWAL_ID is the first one.
 */
export const SANDBOX_TEMPLATES: readonly SandboxTemplate[] = Object.freeze([
  {
    template_id: 'SANDBOX_TEMPLATE_RENEWAL',
    title: '会员到期提醒',
    primary_industry: '教育',
    deputy_industry: '培训',
    content: '会员名称:{{thing1.DATA}}\n到期时间:{{time2.DATA}}\n备注:{{thing3.DATA}}',
    example: '会员名称:年度会员\n到期时间:2026年12月31日 23:59\n备注:续费后可继续学习全部课程',
  },
  {
    template_id: 'SANDBOX_TEMPLATE_PURCHASE',
    title: '购买成功通知',
    primary_industry: '教育',
    deputy_industry: '培训',
    content: '订单编号:{{character_string1.DATA}}\n课程名称:{{thing2.DATA}}\n支付金额:{{amount3.DATA}}\n支付时间:{{time4.DATA}}',
    example: '订单编号:ZF202612010001\n课程名称:零基础学摄影\n支付金额:¥99.00\n支付时间:2026年12月1日 20:30',
  },
]);

export const templateById = (id: string): SandboxTemplate | undefined => SANDBOX_TEMPLATES.find((t) => t.template_id === id);

/** The keys a template's content asks for, in order: `{{thing1.DATA}}` → `thing1`. */
export function templateKeys(t: SandboxTemplate): string[] {
  return [...t.content.matchAll(/\{\{(\w+)\.DATA\}\}/g)].map((m) => m[1]!);
}

export interface TemplateSend {
  touser: string;
  templateId: string;
  url: string | null;
  clientMsgId: string | null;
  data: Record<string, unknown>;
}

const URL_MAX = 2048;
const CLIENT_MSG_ID_MAX = 128;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v !== '';
const optional = (v: unknown, max: number): v is string | undefined => v === undefined || (typeof v === 'string' && v.length <= max);

/** The body's shape; anything missing or of the wrong type is WeChat's 47001 data format error. */
export function parseTemplateSend(body: unknown): TemplateSend {
  if (!isObject(body)) throw wx.dataFormatError();
  const { touser, template_id, url, miniprogram, client_msg_id, data } = body;
  if (!nonEmpty(touser) || !nonEmpty(template_id) || !isObject(data)) throw wx.dataFormatError();
  if (!optional(url, URL_MAX) || !optional(client_msg_id, CLIENT_MSG_ID_MAX)) throw wx.dataFormatError();
  if (miniprogram !== undefined && !(isObject(miniprogram) && nonEmpty(miniprogram.appid))) throw wx.dataFormatError();
  return { touser, templateId: template_id, url: url || null, clientMsgId: client_msg_id || null, data };
}

// Value rules of the keyword types (模板参数类型), as WeChat publishes them for the new-style keys.
// "Symbols" are anything but CJK, letters and digits; no key accepts a control character (newline…).
const CONTROL = /\p{Cc}/u;
const HAN = /^\p{Script=Han}+$/u;
const SYMBOLS = /^[^\p{Script=Han}\p{L}\p{N}\p{Cc}\s]+$/u;
const ASCII_PRINTABLE = /^[\x21-\x7e]+$/;
const MONTH = '(?:0?[1-9]|1[0-2])';
const DAY = '(?:0?[1-9]|[12]\\d|3[01])';
// 2026年12月31日, 2026年12月, 12月31日, 2026-12-31 (or / or .), 2026-12, 12-31
const DATE = `(?:\\d{4}年${MONTH}月${DAY}日|\\d{4}年${MONTH}月|${MONTH}月${DAY}日|\\d{4}(?<sep>[-/.])${MONTH}\\k<sep>${DAY}|\\d{4}[-/.]${MONTH}|${MONTH}[-/.]${DAY})`;
// 24-hour HH:MM or HH:MM:SS
const CLOCK = '(?:(?:[01]?\\d|2[0-3]):[0-5]\\d(?::[0-5]\\d)?)';
/** time: a clock time, optionally after a date. date: a date, optionally with a clock time. */
const TIME_RE = new RegExp(`^(?:${DATE}\\s*)?${CLOCK}$`);
const DATE_RE = new RegExp(`^${DATE}(?:\\s*${CLOCK})?$`);
const chars = (v: string) => [...v].length;
/** A single moment, or a span `a~b` (half-width tilde only, as WeChat requires). */
const momentOrSpan = (re: RegExp) => (v: string) => v.split('~').length <= 2 && v.split('~').every((p) => re.test(p.trim()));

const RULES: Record<string, (v: string) => boolean> = {
  thing: (v) => chars(v) <= 20,
  number: (v) => v.length <= 32 && /^\d+(\.\d+)?$/.test(v),
  letter: (v) => v.length <= 32 && /^[A-Za-z]+$/.test(v),
  symbol: (v) => chars(v) <= 5 && SYMBOLS.test(v),
  character_string: (v) => v.length <= 32 && ASCII_PRINTABLE.test(v),
  time: momentOrSpan(TIME_RE),
  date: momentOrSpan(DATE_RE),
  amount: (v) => /^[¥￥$€£]?\d{1,10}(\.\d{1,2})?元?$/.test(v),
  phone_number: (v) => v.length <= 17 && /^[\d+\-() ]+$/.test(v),
  phrase: (v) => chars(v) <= 5 && HAN.test(v),
};

/** `thing1` → `thing`, `character_string12` → `character_string`; old-style keys (`first`) have no rule. */
const ruleFor = (key: string) => RULES[key.replace(/\d+$/, '')];

/** WeChat names the first offending key: 47003 `argument invalid! data.time2.value is empty`. */
export function checkTemplateData(t: SandboxTemplate, data: Record<string, unknown>): void {
  for (const key of templateKeys(t)) {
    const entry = data[key];
    const raw = isObject(entry) ? entry.value : undefined;
    if (raw === undefined || raw === null || raw === '') throw wx.argumentInvalid(`data.${key}.value is empty`);
    if (typeof raw !== 'string' && typeof raw !== 'number') throw wx.argumentInvalid(`data.${key}.value invalid`);
    const value = String(raw);
    const rule = ruleFor(key);
    if (CONTROL.test(value) || (rule && !rule(value))) throw wx.argumentInvalid(`data.${key}.value invalid`);
  }
}
