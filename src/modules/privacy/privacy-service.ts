import type { Knex } from 'knex';
import type { Clock } from '../../platform/clock.js';
import { ConflictError, ForbiddenError } from '../../platform/errors.js';
import { toDateOrNull } from '../../platform/db/index.js';
import type { RateLimiting } from '../../platform/http/index.js';
import type { Logger } from '../../platform/logger.js';
import { createAccountPrivacy, type AccountService } from '../accounts/index.js';
import { createAnalyticsPrivacy } from '../analytics/index.js';
import { createCommercePrivacy } from '../commerce/index.js';
import type { AuditService } from '../audit/index.js';
import { createEnrolmentPrivacy } from '../enrolments/index.js';
import { createFeedbackPrivacy } from '../feedback/index.js';
import { createLearningPrivacy } from '../learning/index.js';
import { createPaymentPrivacy } from '../payments/index.js';
import { createRecommendationPrivacy } from '../recommendations/index.js';
import { createWechatPrivacy } from '../wechat/index.js';

/** Times as ISO strings (SQLite gives milliseconds): every `*_at` column, wherever it sits. */
function readableTimes(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => readableTimes(v));
  if (value instanceof Date) return value.toISOString();
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, readableTimes(v, k)]));
  if (/(_at|At)$/.test(key) && (typeof value === 'number' || (typeof value === 'string' && value !== ''))) {
    const d = toDateOrNull(value);
    return d && !Number.isNaN(d.getTime()) ? d.toISOString() : value;
  }
  return value;
}

/** How long a WeChat re-authorisation counts as confirming an erasure. */
const WECHAT_CONFIRM_MS = 10 * 60_000;

/**
 * 我的数据: everything we hold about a learner, from every module that holds some (each says what is
 * theirs), as one export; and the erasure of it, in one transaction, audited without personal data.
 */
export function createPrivacyService(deps: { db: Knex; clock: Clock; log: Logger; audit: AuditService; accounts: AccountService; rateLimits: Pick<RateLimiting, 'forget' | 'forgetShared'> }) {
  const parts = {
    accounts: createAccountPrivacy({ rateLimits: deps.rateLimits }),
    payments: createPaymentPrivacy(),
    enrolments: createEnrolmentPrivacy(),
    learning: createLearningPrivacy(),
    feedback: createFeedbackPrivacy(),
    analytics: createAnalyticsPrivacy(),
    wechat: createWechatPrivacy(),
    recommendations: createRecommendationPrivacy(),
    commerce: createCommercePrivacy(),
  };

  return {
    async exportData(userId: number) {
      const db = deps.db;
      const account = await parts.accounts.personalData(db, userId);
      const progress = await parts.learning.personalData(db, userId);
      return readableTimes({
        exportedAt: deps.clock.now().toISOString(),
        format: 'zhifu-personal-data/1',
        ...account,
        ...(await parts.payments.personalData(db, userId)),
        access: await parts.enrolments.personalData(db, userId),
        progress,
        studySeconds: progress.reduce((s, p) => s + Number(p.seconds_studied), 0),
        ...(await parts.feedback.personalData(db, userId)),
        analytics: await parts.analytics.personalData(db, userId),
        recommendations: await parts.recommendations.personalData(db, userId),
        ...(await parts.commerce.personalData(db, userId)),
      }) as { exportedAt: string } & Record<string, unknown>;
    },

    /** Erases the account once confirmed by its password, or by a WeChat re-authorisation just now. */
    async erase(userId: number, confirm: { password: string | null; wechatConfirmedAt: number | null }): Promise<void> {
      const user = await deps.accounts.findById(userId);
      if (!user) throw new ConflictError('ALREADY_ERASED', '这个账号已经注销');
      if (user.role === 'admin') throw new ForbiddenError('ADMIN_ERASE', '管理员账号不能在这里注销：请先把管理员权限交给其他账号');
      const hasPassword = await deps.accounts.hasPassword(userId);
      const now = deps.clock.now().getTime();
      const confirmed = hasPassword
        ? confirm.password !== null && (await deps.accounts.confirmPassword(userId, confirm.password))
        : confirm.wechatConfirmedAt !== null && now - confirm.wechatConfirmedAt <= WECHAT_CONFIRM_MS;
      if (!confirmed) throw new ForbiddenError('ERASE_NOT_CONFIRMED', hasPassword ? '密码不正确，账号没有注销' : '请先通过微信重新授权，确认是你本人');
      const account = await deps.db.transaction(async (trx) => {
        await parts.wechat.erase(trx, user.wechatOpenid);
        await parts.analytics.erase(trx, userId);
        await parts.recommendations.erase(trx, userId);
        await parts.feedback.erase(trx, userId);
        await parts.learning.erase(trx, userId);
        await parts.enrolments.erase(trx, userId);
        await parts.commerce.erase(trx, userId);
        await parts.payments.erase(trx, userId);
        const erased = await parts.accounts.erase(trx, userId, deps.clock.now());
        await deps.audit.record(trx, { actorUserId: userId, action: 'user.erase', entityType: 'user', entityId: userId, summary: {} });
        return erased;
      });
      await account.afterCommit();
      deps.log.info({ event: 'privacy.erased', userId }, 'account erased');
    },
  };
}

export type PrivacyService = ReturnType<typeof createPrivacyService>;
