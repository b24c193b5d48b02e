import { z } from 'zod';

const username = z
  .string()
  .trim()
  .min(3, '用户名至少 3 个字符')
  .max(20, '用户名最多 20 个字符')
  .regex(/^[A-Za-z][A-Za-z0-9_]*$/, '用户名以字母开头，只能包含字母、数字和下划线')
  .transform((u) => u.toLowerCase());

const password = z
  .string()
  .min(8, '密码至少 8 位')
  .max(128, '密码最多 128 位')
  .refine((p) => p.trim() !== '', '密码不能只由空格组成');

/** A nickname without invisible characters (zero-width spaces, direction overrides) or control characters. */
export function cleanNickname(raw: string): string {
  return raw.replace(/[\p{Cf}\p{Cc}]/gu, '').trim();
}

export const NicknameForm = z.object({
  nickname: z
    .string()
    .transform(cleanNickname)
    .pipe(z.string().min(1, '请填写昵称（不能只有空格或看不见的字符）').max(20, '昵称最多 20 个字')),
});
export type NicknameForm = z.infer<typeof NicknameForm>;

export const PasswordChangeForm = z
  .object({
    current_password: z.string().min(1, '请输入当前密码').max(128, '当前密码不正确'),
    password,
    password_confirm: z.string(),
  })
  .superRefine((v, ctx) => {
    if (v.password !== v.password_confirm) ctx.addIssue({ code: 'custom', path: ['password_confirm'], message: '两次输入的密码不一致' });
    if (v.password === v.current_password) ctx.addIssue({ code: 'custom', path: ['password'], message: '新密码不能与当前密码相同' });
  });
export type PasswordChangeForm = z.infer<typeof PasswordChangeForm>;

export const RegisterForm = z
  .object({
    username,
    nickname: z.string().trim().max(20, '昵称最多 20 个字').optional().default(''),
    password,
    password_confirm: z.string(),
  })
  .superRefine((v, ctx) => {
    if (v.password.toLowerCase().includes(v.username)) {
      ctx.addIssue({ code: 'custom', path: ['password'], message: '密码不能包含用户名' });
    }
    if (v.password !== v.password_confirm) {
      ctx.addIssue({ code: 'custom', path: ['password_confirm'], message: '两次输入的密码不一致' });
    }
  });
export type RegisterForm = z.infer<typeof RegisterForm>;

export const LoginForm = z.object({
  username: z.string().trim().min(1, '请输入用户名').max(64, '用户名或密码错误').transform((u) => u.toLowerCase()),
  password: z.string().min(1, '请输入密码').max(128, '用户名或密码错误'),
});
export type LoginForm = z.infer<typeof LoginForm>;
