export interface Lesson {
  id: number;
  courseId: number;
  position: number;
  title: string;
  bodyMd: string;
  mediaUrl: string | null;
  durationSeconds: number | null;
  isFreePreview: boolean;
}

/** A lesson in a course outline: everything but the body, so outlines can never leak it. */
export type LessonOutline = Omit<Lesson, 'bodyMd'>;

export type LessonInput = Pick<Lesson, 'title' | 'bodyMd' | 'mediaUrl' | 'durationSeconds' | 'isFreePreview'>;
