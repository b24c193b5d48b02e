import { WechatApiError } from './oa-errors.js';

// WeChat's custom-menu limits (PROTOCOLS.md §3, the menu/create documentation): 1–3 top-level buttons,
// 1–5 sub-buttons each, name ≤ 16 bytes (sub ≤ 40), key ≤ 128 bytes, url ≤ 256 bytes. Bytes are UTF-8,
// so a Chinese character counts 3: "课程中心" is 12 bytes.
export const MENU_LIMITS = { topButtons: 3, subButtons: 5, nameBytes: 16, subNameBytes: 40, keyBytes: 128, urlBytes: 256 } as const;

/** Types that push an event with `key` to the message server. */
const KEY_TYPES = new Set(['click', 'scancode_push', 'scancode_waitmsg', 'pic_sysphoto', 'pic_photo_or_album', 'pic_weixin', 'location_select']);
const ALL_TYPES = new Set([...KEY_TYPES, 'view', 'media_id', 'view_limited', 'article_id', 'article_view_limited', 'miniprogram']);

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
const err = (errcode: number, errmsg: string) => new WechatApiError(errcode, errmsg);
const fail = (pair: readonly [number, string]) => new WechatApiError(pair[0], pair[1]);

// Top-level and sub-level errcodes differ only in number: 40016–40020 vs 40023–40027.
const TOP = { size: [40016, 'invalid button size'], type: [40017, 'invalid button type'], name: [40018, 'invalid button name size'], key: [40019, 'invalid button key size'], url: [40020, 'invalid button url size'] } as const;
const SUB = { size: [40023, 'invalid sub button size'], type: [40024, 'invalid sub button type'], name: [40025, 'invalid sub button name size'], key: [40026, 'invalid sub button key size'], url: [40027, 'invalid sub button url size'] } as const;
type Codes = { [K in keyof typeof TOP]: readonly [number, string] };

function isHttpUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

function checkName(b: Record<string, unknown>, max: number, c: Codes): void {
  if (typeof b.name !== 'string' || b.name.trim() === '' || bytes(b.name) > max) throw fail(c.name);
}

function checkLeaf(b: Record<string, unknown>, c: Codes): void {
  const type = b.type;
  if (typeof type !== 'string' || !ALL_TYPES.has(type)) throw fail(c.type);
  if (KEY_TYPES.has(type) && (typeof b.key !== 'string' || b.key === '' || bytes(b.key) > MENU_LIMITS.keyBytes)) throw fail(c.key);
  if ((type === 'view' || type === 'miniprogram') && (typeof b.url !== 'string' || bytes(b.url) > MENU_LIMITS.urlBytes || !isHttpUrl(b.url))) throw fail(c.url);
  if (type === 'miniprogram' && (typeof b.appid !== 'string' || typeof b.pagepath !== 'string')) throw fail(c.type);
  if ((type === 'media_id' || type === 'view_limited') && typeof b.media_id !== 'string') throw fail(c.type);
  if ((type === 'article_id' || type === 'article_view_limited') && typeof b.article_id !== 'string') throw fail(c.type);
}

const hasSubs = (b: Record<string, unknown>) => Array.isArray(b.sub_button) && b.sub_button.length > 0;
const asObject = (v: unknown): Record<string, unknown> | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null);

/**
 * Checks a menu/create body as WeChat does and returns it; throws the errcode WeChat would answer.
 * A button with a non-empty `sub_button` is a parent (its own type is ignored, as WeChat does); an empty
 * `sub_button: []` on a leaf is allowed (menu/get returns leaves that way).
 */
export function validateMenu(body: unknown): { button: Record<string, unknown>[] } {
  const root = asObject(body);
  if (!root) throw err(47001, 'data format error');
  const buttons = root.button;
  if (!Array.isArray(buttons) || buttons.length < 1 || buttons.length > MENU_LIMITS.topButtons) throw fail(TOP.size);
  for (const raw of buttons) {
    const b = asObject(raw);
    if (!b) throw fail(TOP.type);
    checkName(b, MENU_LIMITS.nameBytes, TOP);
    if (b.sub_button !== undefined && !Array.isArray(b.sub_button)) throw fail(SUB.size);
    if (!hasSubs(b)) {
      checkLeaf(b, TOP);
      continue;
    }
    const subs = b.sub_button as unknown[];
    if (subs.length > MENU_LIMITS.subButtons) throw fail(SUB.size);
    for (const rawSub of subs) {
      const s = asObject(rawSub);
      if (!s) throw fail(SUB.type);
      // Menus have two levels only.
      if (s.sub_button !== undefined && (!Array.isArray(s.sub_button) || s.sub_button.length > 0)) throw err(40022, 'invalid sub_button level');
      checkName(s, MENU_LIMITS.subNameBytes, SUB);
      checkLeaf(s, SUB);
    }
  }
  return { button: buttons as Record<string, unknown>[] };
}
