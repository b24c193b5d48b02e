/** Errors with a stable code for programs and a message safe to show a person. */
export class AppError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  constructor(code = 'VALIDATION_FAILED', message = '提交的内容有误', readonly fields: Record<string, string> = {}) {
    super(code, message, 400);
  }
}

export class UnauthorizedError extends AppError {
  constructor(code = 'LOGIN_REQUIRED', message = '请先登录') {
    super(code, message, 401);
  }
}

export class ForbiddenError extends AppError {
  constructor(code = 'FORBIDDEN', message = '没有权限访问这个页面') {
    super(code, message, 403);
  }
}

export class NotFoundError extends AppError {
  constructor(code = 'NOT_FOUND', message = '页面不存在') {
    super(code, message, 404);
  }
}

export class ConflictError extends AppError {
  constructor(code: string, message: string) {
    super(code, message, 409);
  }
}

export class TooManyRequestsError extends AppError {
  constructor(code = 'RATE_LIMITED', message = '操作太频繁，请稍后再试') {
    super(code, message, 429);
  }
}
