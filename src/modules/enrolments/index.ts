// Who may study what. Every page, fragment and API that shows lesson content asks canAccess.
export { createEnrolmentService, type EnrolmentService } from './enrolment-service.js';
export type { Entitlement, GrantSource, LessonRef, Viewer } from './entitlement.js';
