// Catalogue: courses and how they are listed. Prices are integer fen.
export { createCourseService, type CourseService, type CourseCard, PAGE_SIZE } from './course-service.js';
export { catalogRoutes } from './course-routes.js';
export { seedDemoCatalog, seedDemoCatalogIfEmpty, DEMO_COURSES } from './demo-catalog.js';
export { CATEGORIES, type CategoryCode } from './categories.js';
export type { Course, CourseSummary, NewCourse } from './course.js';
