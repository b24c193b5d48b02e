// Accounts: who someone is. Other modules ask for the current user and the login/admin guards here.
export { createAccountService, type AccountService } from './account-service.js';
export { createPasswordHasher, type PasswordHasher, type Argon2Params } from './password-hasher.js';
export { accountRoutes } from './account-routes.js';
export { loadCurrentUser, requireLogin, requireAdmin, logIn as logInAs } from './session-auth.js';
export type { CurrentUser, PublicProfile, Role, User } from './user.js';
export { RegisterForm, LoginForm } from './account-schemas.js';
export { accountSettingsRoutes } from './account-settings-routes.js';
export { createAccountPrivacy } from './account-privacy.js';
