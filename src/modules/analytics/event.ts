export const EVENT_TYPES = [
  'page_view',
  'course_view',
  'lesson_open',
  'study_heartbeat',
  'order_created',
  'order_paid',
  'refund',
  'like',
  'comment',
  'rating',
  'share',
  'oa_menu_click',
  'oa_message_reply',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/**
 * Where a visit came from. The Official Account's links carry utm_source=wechat_oa and
 * utm_medium=menu|reply|article; a share link carries ?s=<sharer's code>.
 */
export type Source = 'menu' | 'reply' | 'article' | 'share' | 'campaign' | 'search' | 'referral' | 'wechat' | 'direct';
export const SOURCE_LABELS: Record<Source, string> = {
  menu: '公众号菜单',
  reply: '公众号回复',
  article: '公众号文章',
  share: '分享链接',
  campaign: '推广活动',
  search: '搜索引擎',
  referral: '其他网站',
  wechat: '微信内打开',
  direct: '直接访问',
};

export interface Touch {
  source: Source;
  medium: string | null;
  campaign: string | null;
  /** The share code in the link, resolved to a learner when the batch is written. */
  shareCode: string | null;
  at: Date;
}

/** One thing a learner did, as the buffer holds it before writing. */
export interface AnalyticsEvent {
  type: EventType;
  at: Date;
  userId: number | null;
  visitorId: string | null;
  courseId: number | null;
  lessonId: number | null;
  orderId: number | null;
  /** The request's source: this visit's touch, else the visitor's last one, else direct. */
  touch: Touch;
  firstTouch: Touch | null;
  /** True when this request itself carried a new touch (a tagged link, a share, another site). */
  isTouch: boolean;
  uaClass: 'wechat_phone' | 'wechat_desktop' | 'phone' | 'desktop';
  referrerClass: 'none' | 'internal' | 'wechat' | 'search' | 'external';
  path: string | null;
  /** Set on an event rebuilt after a lost batch: at most one row per key, and real rows come first. */
  dedupeKey?: string;
}

/** What other modules record, from a request or from the server itself (a payment notification). */
export interface EventRefs {
  courseId?: number | null;
  lessonId?: number | null;
  orderId?: number | null;
  userId?: number | null;
}

/** The server-side sink: payments and the Official Account record what has no request of a learner. */
export interface EventSink {
  track(type: EventType, refs: EventRefs): void;
}

/** An event with no learner's request behind it (a payment notification, a refund settling): no browser, no touch. */
export function serverEvent(type: EventType, refs: EventRefs, at: Date): AnalyticsEvent {
  const touch: Touch = { source: 'direct', medium: null, campaign: null, shareCode: null, at };
  return { type, at, userId: refs.userId ?? null, visitorId: null, courseId: refs.courseId ?? null, lessonId: refs.lessonId ?? null, orderId: refs.orderId ?? null, touch, firstTouch: null, isTouch: false, uaClass: 'desktop', referrerClass: 'none', path: null };
}
