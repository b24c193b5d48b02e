import { Router, type ErrorRequestHandler, type RequestHandler, type Response } from 'express';
import { ConflictError, TooManyRequestsError } from '../../platform/errors.js';
import { SESSION_COOKIE, fieldErrors, formValues, safeReturnPath, setFlash } from '../../platform/http/index.js';
import type { AccountService } from './account-service.js';
import { LoginForm, RegisterForm } from './account-schemas.js';
import { logIn, logOut } from './session-auth.js';

const REGISTER_FIELDS = ['username', 'nickname', 'next'] as const;
const LOGIN_FIELDS = ['username', 'next'] as const;

function renderForm(res: Response, view: string, status: number, values: Record<string, string>, errors: Record<string, string> = {}) {
  res.status(status).render(view, { title: view === 'accounts/login' ? '登录' : '注册', values, errors });
}

/**
 * Sign-up, login and logout. `loginLimiters` run before a login (per IP and account, per account,
 * per IP); `registerLimiter` before a sign-up. A refusal re-renders the form with what was typed.
 */
export function accountRoutes(deps: { accounts: AccountService; loginLimiters: RequestHandler[]; registerLimiter: RequestHandler }): Router {
  const { accounts } = deps;
  const router = Router();

  router.get('/register', (req, res) => {
    if (req.currentUser) return res.redirect(303, '/');
    renderForm(res, 'accounts/register', 200, { username: '', nickname: '', next: safeReturnPath(req.query.next) });
  });

  router.post('/register', deps.registerLimiter, async (req, res) => {
    // Passwords are validated but never put back into the page.
    const values = formValues(req.body, REGISTER_FIELDS);
    const parsed = RegisterForm.safeParse(formValues(req.body, ['username', 'nickname', 'password', 'password_confirm']));
    if (!parsed.success) return renderForm(res, 'accounts/register', 422, values, fieldErrors(parsed.error));
    try {
      const user = await accounts.register(parsed.data);
      await logIn(req, user.id);
      setFlash(req, 'success', `欢迎加入知付，${user.nickname}`);
      res.redirect(303, safeReturnPath(values.next));
    } catch (err) {
      if (err instanceof ConflictError && err.code === 'USERNAME_TAKEN') {
        return renderForm(res, 'accounts/register', 422, values, { username: err.message });
      }
      throw err;
    }
  });

  router.get('/login', (req, res) => {
    if (req.currentUser) return res.redirect(303, safeReturnPath(req.query.next));
    renderForm(res, 'accounts/login', 200, { username: '', next: safeReturnPath(req.query.next) });
  });

  router.post('/login', ...deps.loginLimiters, async (req, res) => {
    const values = formValues(req.body, LOGIN_FIELDS);
    const parsed = LoginForm.safeParse(formValues(req.body, ['username', 'password']));
    if (!parsed.success) return renderForm(res, 'accounts/login', 422, values, fieldErrors(parsed.error));
    const user = await accounts.authenticate(parsed.data.username, parsed.data.password);
    if (!user) return renderForm(res, 'accounts/login', 422, values, { _form: '用户名或密码错误' });
    await logIn(req, user.id);
    req.log.info({ event: 'accounts.logged_in', userId: user.id }, 'logged in');
    res.redirect(303, safeReturnPath(values.next));
  });

  // A rate-limit refusal keeps the form and what was typed (never the password), with the reason.
  const refusedForm: ErrorRequestHandler = (err, req, res, next) => {
    if (!(err instanceof TooManyRequestsError) || req.method !== 'POST') return next(err);
    if (req.path === '/login') return renderForm(res, 'accounts/login', 429, formValues(req.body, LOGIN_FIELDS), { _form: err.message });
    if (req.path === '/register') return renderForm(res, 'accounts/register', 429, formValues(req.body, REGISTER_FIELDS), { _form: err.message });
    next(err);
  };
  router.use(refusedForm);

  router.post('/logout', async (req, res) => {
    if (req.session) await logOut(req);
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    res.redirect(303, '/');
  });

  return router;
}
