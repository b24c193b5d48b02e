export type GrantSource = 'free' | 'purchase' | 'admin_grant';

export interface Entitlement {
  id: number;
  userId: number;
  courseId: number;
  source: GrantSource;
  sourceOrderId: number | null;
  grantedAt: Date;
  revokedAt: Date | null;
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
