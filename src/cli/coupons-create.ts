/**
 * `npm run coupons:create -- --code SPRING --amount-off 20 --quantity 100 …`: creates a coupon from a
 * script, checked by the same `CouponForm` the admin form uses (the flags become the form's strings).
 * stdout is exactly the new coupon's id and a newline, so `ID=$(npm run -s coupons:create -- …)`
 * works; what was created, and every error, goes to stderr. Exits 0 when created, 2 on a bad flag, a
 * value the form refuses, an unknown course or a code already taken, 1 when the database fails.
 */
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { systemClock } from '../platform/clock.js';
import { ConflictError, NotFoundError } from '../platform/errors.js';
import { createAuditService } from '../modules/audit/index.js';
import { createCourseService } from '../modules/catalog/index.js';
import { CouponForm, couponView, createCommerce, type CouponInput } from '../modules/commerce/index.js';
import { withCliContext } from './cli-context.js';

const HELP = `用法：npm run coupons:create -- --code CODE --amount-off 元 --quantity 张数 [选项]

创建一张优惠券。检查规则与后台「新建优惠券」表单相同。
成功时 stdout 只输出新优惠券的 id（一个数字和换行），可以直接 ID=$(npm run -s coupons:create -- …)；
创建结果的说明和所有错误都写到 stderr。

优惠（三选一）：
  --amount-off 元        立减，如 20 或 19.90
  --amount-off 元 --threshold 元
                         满减：满 --threshold 减 --amount-off（减免须小于门槛）
  --rate 折              打折：8 表示 8 折，8.5 表示 8.5 折，0 表示免费

数量与优惠码：
  --quantity 张数        发放总量，1–1000000（必填）
  --code CODE            结账时输入的优惠码，3–32 位字母、数字、- 或 _，不区分大小写；
                         不给则只能通过领取链接领取（stderr 会给出链接），这时必须给 --name

可选：
  --name 名称            显示给学员的名称，2–40 个字；默认「优惠码 CODE」
  --per-learner 张数     每人限领，1–100，默认 1
  --course SLUG          只用于这些课程（课程链接名）；可重复，或用逗号分隔：--course a,b
  --memberships          只用于开通会员（不能与 --course 同用）
                         两者都不给：全部课程可用
  --from YYYY-MM-DD      北京时间这一天 0 点起可用
  --until YYYY-MM-DD     用到北京时间这一天 23:59（含这一天）
  -h, --help             显示本说明

退出码：0 已创建；2 选项或取值有误、课程不存在、优惠码已被使用；1 数据库等其他错误。
数据库由 DATABASE_URL 指定（默认 data/zhifu.db），运行前会先执行迁移。

例：npm run coupons:create -- --code SPRING --amount-off 20 --quantity 100 --course typescript-in-practice --until 2026-12-31
`;

/** The form field each issue is about, as the flag that carries it. */
const FLAG_OF: Record<string, string> = {
  name: '--name',
  code: '--code',
  kind: '--amount-off / --rate',
  amount_off: '--amount-off',
  threshold: '--threshold',
  rate: '--rate',
  scope: '--course / --memberships',
  course_ids: '--course',
  valid_from: '--from',
  valid_until: '--until',
  quantity: '--quantity',
  per_learner: '--per-learner',
};

/** Refused input: each line names the flag; exit code 2. */
class UsageError extends Error {}

function fail(lines: string[], hint = true): never {
  throw new UsageError(lines.join('\n') + (hint ? '\n用 npm run coupons:create -- --help 查看用法' : ''));
}

/** parseArgs' English errors, in the words of the rest of this tool. */
function parseError(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const message = e.message ?? String(err);
  const flag = /'(-{1,2}[^' ]+)/.exec(message)?.[1] ?? '';
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `不认识的选项 ${flag}`;
  if (e.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return `多余的参数 ${/'([^']*)'/.exec(message)?.[1] ?? ''}（每个值都要跟在选项后面，如 --code SPRING）`;
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    if (message.includes('does not take an argument')) return `${flag} 后面不跟值`;
    if (message.includes('argument missing')) return `${flag} 后面要跟一个值`;
    if (message.includes('ambiguous')) return `${flag} 的值不能以 - 开头`;
  }
  return message;
}

const OPTIONS = {
  code: { type: 'string' },
  name: { type: 'string' },
  'amount-off': { type: 'string' },
  threshold: { type: 'string' },
  rate: { type: 'string' },
  quantity: { type: 'string' },
  'per-learner': { type: 'string' },
  course: { type: 'string', multiple: true },
  memberships: { type: 'boolean' },
  from: { type: 'string' },
  until: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Flags = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; strict: true }>>['values'];

/** The admin form's strings from the flags, and the course slugs still to look up. */
function formInput(v: Flags): { input: CouponInput; slugs: string[] } {
  const problems: string[] = [];
  if (v.rate !== undefined && (v['amount-off'] !== undefined || v.threshold !== undefined)) problems.push('--rate 不能与 --amount-off / --threshold 同用：立减、满减、打折只能选一种');
  if (v.course !== undefined && v.memberships) problems.push('--course 与 --memberships 只能选一个');
  const code = (v.code ?? '').trim();
  if (code === '' && v.name === undefined) problems.push('--name：没有 --code 的优惠券只能通过领取链接领取，请用 --name 给它起个名字');
  if (problems.length > 0) fail(problems);
  const slugs = [...new Set((v.course ?? []).flatMap((c) => c.split(',')).map((s) => s.trim()).filter((s) => s !== ''))];
  const input: CouponInput = {
    name: v.name ?? `优惠码 ${code.toUpperCase()}`,
    code,
    kind: v.rate !== undefined ? 'percent' : v.threshold !== undefined ? 'threshold' : 'amount',
    amount_off: v['amount-off'] ?? '',
    threshold: v.threshold ?? '',
    rate: v.rate ?? '',
    scope: v.course !== undefined ? 'courses' : v.memberships ? 'memberships' : 'all',
    // Stand-ins until the slugs are looked up, so the form checks everything else first.
    course_ids: slugs.map(() => '0'),
    valid_from: v.from ?? '',
    valid_until: v.until ?? '',
    quantity: v.quantity ?? '',
    per_learner: v['per-learner'] ?? '1',
  };
  return { input, slugs };
}

/** Every problem the form finds, one line each, named by its flag. */
function validated(input: CouponInput) {
  const form = CouponForm.safeParse(input);
  if (form.success) return form.data;
  fail(form.error.issues.map((i) => `${FLAG_OF[String(i.path[0])] ?? String(i.path[0] ?? '')}：${i.message}`));
}

let values: Flags;
try {
  ({ values } = parseArgs({ options: OPTIONS, strict: true, allowPositionals: false }));
} catch (err) {
  process.stderr.write(`${parseError(err)}\n用 npm run coupons:create -- --help 查看用法\n`);
  process.exit(2);
}
if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

let prepared: { input: CouponInput; slugs: string[] };
try {
  prepared = formInput(values);
  // Checked before the database is opened: a typo costs no connection.
  validated(prepared.input);
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  process.stderr.write(`${err.message}\n`);
  process.exit(2);
}

await withCliContext(async ({ config, db, logger }) => {
  // stdout carries only the id: whatever the log level, log lines go to stderr.
  const log = pino({ level: logger.level, base: { app: 'zhifu' }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination(2));
  const courses = createCourseService({ db, clock: systemClock, listCacheMs: 0 });
  const commerce = createCommerce({ db, clock: systemClock, log, audit: createAuditService({ db, clock: systemClock }), openidOf: async () => null, sendReminder: null, reminderIntervalMs: 60_000 });
  try {
    const ids: string[] = [];
    const unknown: string[] = [];
    for (const slug of prepared.slugs) {
      // As the creator sees them: drafts too, so a coupon can be ready before its course launches.
      const course = await courses.courseForViewer(slug, { isAdmin: true }).catch((err: unknown) => {
        if (err instanceof NotFoundError) return null;
        throw err;
      });
      if (course) ids.push(String(course.id));
      else unknown.push(slug);
    }
    if (unknown.length > 0) fail([`--course：没有链接名为 ${unknown.map((s) => `“${s}”`).join('、')} 的课程`]);
    const coupon = await commerce.coupons.create(null, validated({ ...prepared.input, course_ids: ids }));
    process.stdout.write(`${coupon.id}\n`);
    const v = couponView(coupon);
    const courseNote = coupon.scope === 'courses' ? `（${prepared.slugs.join('、')}）` : '';
    process.stderr.write(
      `已创建优惠券 #${coupon.id}「${coupon.name}」：${coupon.code ? `优惠码 ${coupon.code} · ` : ''}${v.label} · 共 ${coupon.quantity} 张，每人限领 ${coupon.perLearner} 张 · ${v.scope}${courseNote} · ${v.window}\n` +
        `领取链接：${config.publicUrl ?? ''}/coupons/claim/${coupon.claimToken}\n`,
    );
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n`);
      process.exitCode = 2;
      return;
    }
    // A code already taken: the service's own words (优惠码 SPRING 已被使用，请换一个).
    if (err instanceof ConflictError && err.code === 'COUPON_CODE_TAKEN') {
      process.stderr.write(`--code：${err.message}\n`);
      process.exitCode = 2;
      return;
    }
    throw err;
  }
});
