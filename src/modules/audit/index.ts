// The admin audit trail: every admin change is recorded here inside the change's own transaction.
export { createAuditService, type AuditService, type AuditEntry, type AuditRecord } from './audit-service.js';
