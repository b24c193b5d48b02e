import { formatFen, formatYuan } from '../../platform/money.js';
import type { AuditRecord } from '../audit/index.js';

const COURSE_FIELDS: Record<string, string> = { title: '标题', slug: '网址', priceFen: '价格', category: '分类', tags: '标签', difficulty: '难度', coverUrl: '封面' };
const SOURCES: Record<string, string> = { admin_grant: '管理员开通的', free: '免费加入的', purchase: '购买的' };

const MODERATION_VERBS: Record<string, string> = { approve: '通过', hide: '隐藏', delete: '删除' };

type Summary = Record<string, unknown> & { before?: Record<string, unknown> | null; after?: Record<string, unknown> | null };

/** Fields shown with their old and new values; the rest (a cover URL, tags) by name only. */
const WITH_VALUES = new Set(['title', 'slug', 'priceFen', 'difficulty', 'category']);

/** What changed between two course snapshots, in words: 价格 ¥99.00 → ¥129.00、标题 “A” → “B”. */
function courseChanges(s: Summary): string {
  const before = s.before ?? {};
  const after = s.after ?? {};
  const changed = Object.keys(COURSE_FIELDS).filter((k) => String(before[k] ?? '') !== String(after[k] ?? ''));
  // The snapshot keeps the summary and the description out (they are long): an edit of only those.
  if (changed.length === 0) return '简介或介绍';
  const shown = (k: string, v: unknown) => (k === 'priceFen' ? formatFen(Number(v)) : `“${String(v ?? '')}”`);
  return changed.map((k) => (WITH_VALUES.has(k) ? `${COURSE_FIELDS[k]} ${shown(k, before[k])} → ${shown(k, after[k])}` : COURSE_FIELDS[k])).join('、');
}

/**
 * One line of a course's history as a sentence a creator reads: who did what. `name` turns a user id
 * into a name (0 is the system itself).
 */
const RECOMMENDATION_STATES: Record<string, string> = { pin: '置顶推荐', exclude: '不推荐', none: '正常推荐' };

export function auditSentence(r: AuditRecord, name: (userId: number) => string): string {
  const who = name(r.actorUserId);
  const s = r.summary as Summary;
  const lesson = String(s.after?.title ?? s.before?.title ?? `#${r.entityId}`);
  const learner = typeof s.userId === 'number' ? name(s.userId) : '学员';
  switch (r.action) {
    case 'course.create':
      return `${who} 创建了课程《${String(s.after?.title ?? '')}》`;
    case 'course.update':
      return `${who} 修改了课程：${courseChanges(s)}`;
    case 'course.publish':
      return `${who} 发布了课程`;
    case 'course.unpublish':
      return `${who} 下架了课程`;
    case 'course.recommendation':
      return `${who} 把课程设为${RECOMMENDATION_STATES[String(s.after?.recommendation)] ?? '正常推荐'}`;
    case 'lesson.create':
      return `${who} 添加了课时“${lesson}”`;
    case 'lesson.update':
      return `${who} 修改了课时“${lesson}”`;
    case 'lesson.delete':
      return `${who} 删除了课时“${lesson}”`;
    case 'lesson.move':
      return `${who} 把课时${typeof s.title === 'string' ? `“${s.title}”` : ` #${r.entityId}`}从第 ${String(s.before?.position)} 位移到第 ${String(s.after?.position)} 位`;
    case 'entitlement.grant':
      return `${who} 为 ${learner} 开通了学习权限`;
    case 'entitlement.revoke':
      return `${who} 收回了 ${learner} ${SOURCES[String(s.before?.source)] ?? ''}学习权限`;
    case 'order.refund':
      return `${who} 为 ${learner} 退款 ${formatYuan(Number(s.amountFen))}（订单 ${String(s.outTradeNo)}）`;
    case 'order.duplicate_payment':
      return `${learner} 重复支付了这门课程，系统已自动全额退款`;
    case 'comment.approve':
    case 'comment.hide':
    case 'comment.delete':
    case 'rating.approve':
    case 'rating.hide':
    case 'rating.delete':
      return `${who} ${MODERATION_VERBS[r.action.split('.')[1]!]}了 ${learner} 的${r.entityType === 'comment' ? '留言' : '评价'} #${r.entityId}${s.before?.keyword ? `（命中关键词“${String(s.before.keyword)}”）` : ''}`;
    case 'feedback.ban':
      return `${who} 禁言了 ${learner}${Number(s.hidden) > 0 ? `，并隐藏了 TA 的 ${Number(s.hidden)} 条内容` : ''}`;
    case 'feedback.unban':
      return `${who} 解除了 ${learner} 的禁言`;
    default:
      return `${who}：${r.action}`;
  }
}
