export type GrantSource = 'free' | 'purchase' | 'admin_grant' | 'membership';

/**
 * One source of a learner's access to a course. Access is the union of the live grants: each paid
 * order, the admin grant, the free enrolment (and, later, a membership) is its own row, so ending one
 * (a refund ends its order's row) leaves the others standing.
 */
export interface AccessGrant {
  id: number;
  userId: number;
  courseId: number;
  source: GrantSource;
  /** `order:<id>`, `admin`, `free` or `membership:<id>`: unique per learner and course. */
  sourceKey: string;
  orderId: number | null;
  grantedAt: Date;
  revokedAt: Date | null;
  revokedReason: string | null;
}

/** A course a learner may study now, and every live reason why. */
export interface Entitlement {
  userId: number;
  courseId: number;
  sources: GrantSource[];
  /** When the earliest live source was granted. */
  grantedAt: Date;
}

/** What the access rule needs to know about a lesson. */
export interface LessonRef {
  courseId: number;
  isFreePreview: boolean;
  coursePublished: boolean;
}

export interface Viewer {
  id: number;
  isAdmin: boolean;
}

export function sourceKeyOf(source: GrantSource, orderId: number | null): string {
  if (source === 'purchase') {
    if (orderId === null) throw new TypeError('a purchase grant needs its order');
    return `order:${orderId}`;
  }
  if (source === 'admin_grant') return 'admin';
  if (source === 'free') return 'free';
  throw new TypeError(`no key for ${source} without its reference`);
}
