// Who may study what. Every page, fragment and API that shows lesson content asks canAccess.
// Access is the union of live grants, one per source (each paid order, an admin grant, a free enrolment),
// and of a live membership that opens the course (asked of commerce at request time).
export { createEnrolmentService, type EnrolmentService } from './enrolment-service.js';
export type { AccessGrant, Entitlement, GrantSource, LessonRef, Viewer } from './entitlement.js';
export { createEnrolmentPrivacy } from './enrolment-privacy.js';
