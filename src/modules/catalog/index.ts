// Catalogue: courses, lessons and how they are listed and rendered. Prices are integer fen.
export { createCourseService, coverFor, toCard, type CourseService, type CourseCard, type PickedCourse, PAGE_SIZE, CATALOG_CACHE } from './course-service.js';
export { createCatalogAdminService, type CatalogAdminService } from './catalog-admin-service.js';
export { catalogRoutes } from './course-routes.js';
export { createSitemapService, type SitemapService } from './sitemap-service.js';
export { sitemapRoutes } from './sitemap-routes.js';
export { renderMarkdown, renderCommentMarkdown } from './markdown.js';
export { seedDemoCatalog, seedDemoCatalogIfEmpty, DEMO_COURSES } from './demo-catalog.js';
export { CATEGORIES, categoryLabel, difficultyLabel, DIFFICULTY_LABELS, type CategoryCode } from './categories.js';
export { CourseForm, LessonForm, COURSE_FIELDS, LESSON_FIELDS, formatDuration } from './catalog-schemas.js';
export type { Course, CourseSummary, NewCourse } from './course.js';
export type { Lesson, LessonOutline } from './lesson.js';
