import { z } from 'zod';

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

const Leaf = z.discriminatedUnion('type', [
  z.object({ type: z.literal('view'), name: z.string(), url: z.string() }),
  // The key's limit is in bytes, like the names': menuProblems reports it instead of a parse error.
  z.object({ type: z.literal('click'), name: z.string(), key: z.string() }),
]);
const Top = z.union([Leaf, z.object({ name: z.string(), sub_button: z.array(Leaf) })]);
export const MenuSchema = z.object({ button: z.array(Top) });
export type Menu = z.infer<typeof MenuSchema>;

/**
 * WeChat's custom-menu limits: 1–3 top-level buttons, 1–5 under each, names ≤ 16 bytes (≤ 40 below
 * the top), click keys ≤ 128 bytes, links ≤ 256 bytes. Returns the problems, empty when WeChat would
 * accept it.
 */
export function menuProblems(menu: Menu): string[] {
  const problems: string[] = [];
  if (menu.button.length < 1 || menu.button.length > 3) problems.push(`一级菜单需 1–3 个，现有 ${menu.button.length} 个`);
  const leaf = (b: z.infer<typeof Leaf>, where: string, maxName: number) => {
    if (b.name.trim() === '' || bytes(b.name) > maxName) problems.push(`${where}“${b.name}”名称需 1–${maxName} 字节`);
    if (b.type === 'view' && (bytes(b.url) > 256 || !/^https?:\/\//.test(b.url))) problems.push(`${where}“${b.name}”链接需以 http(s):// 开头且不超过 256 字节`);
    if (b.type === 'click' && (bytes(b.key) < 1 || bytes(b.key) > 128)) problems.push(`${where}“${b.name}”的 key 需 1–128 字节`);
  };
  for (const b of menu.button) {
    if ('sub_button' in b) {
      if (b.name.trim() === '' || bytes(b.name) > 16) problems.push(`一级菜单“${b.name}”名称需 1–16 字节`);
      if (b.sub_button.length < 1 || b.sub_button.length > 5) problems.push(`“${b.name}”的子菜单需 1–5 个`);
      for (const s of b.sub_button) leaf(s, '子菜单', 40);
    } else {
      leaf(b, '一级菜单', 16);
    }
  }
  return problems;
}

/** The menu file with `{PUBLIC_URL}` filled in. */
export function resolveMenu(template: unknown, publicUrl: string): Menu {
  return MenuSchema.parse(JSON.parse(JSON.stringify(template).replaceAll('{PUBLIC_URL}', publicUrl)));
}
