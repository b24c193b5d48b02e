// Learning: course and lesson pages for learners, progress and study time.
export { createLearningService, type LearningService } from './learning-service.js';
export { learningRoutes } from './learning-routes.js';
export { createCoursePage, type CourseOffer, type CoursePage, type CheckoutRefusal } from './course-page.js';
export { createLearningPrivacy } from './learning-privacy.js';
