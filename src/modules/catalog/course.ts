export type CourseStatus = 'draft' | 'published';

export interface Course {
  id: number;
  slug: string;
  title: string;
  summary: string;
  description: string;
  priceFen: number;
  category: string;
  tags: string[];
  difficulty: number;
  coverUrl: string | null;
  status: CourseStatus;
  publishedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What a course card on the list needs; the list query reads only these columns. */
export type CourseSummary = Pick<Course, 'id' | 'slug' | 'title' | 'summary' | 'priceFen' | 'category' | 'tags' | 'difficulty' | 'coverUrl'>;

export type NewCourse = Omit<Course, 'id' | 'createdAt' | 'updatedAt' | 'publishedAt'>;
