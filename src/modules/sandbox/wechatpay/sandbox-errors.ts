/** An error answered the way WeChat answers: `{"code","message"[,"detail"]}` with WeChat's status. */
export class WechatPayError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly detail?: { field?: string; value?: unknown; issue?: string; location?: string },
  ) {
    super(message);
    this.name = 'WechatPayError';
  }

  toBody(): Record<string, unknown> {
    return this.detail ? { code: this.code, message: this.message, detail: this.detail } : { code: this.code, message: this.message };
  }
}

export const paramError = (field: string, issue: string, value?: unknown, location = 'body') =>
  new WechatPayError(400, 'PARAM_ERROR', `输入源“/${location}${field}”校验失败：${issue}`, {
    field,
    value,
    issue,
    location,
  });

export const signError = (message: string) => new WechatPayError(401, 'SIGN_ERROR', message);
export const orderNotExist = () => new WechatPayError(404, 'ORDER_NOT_EXIST', '订单不存在');
export const orderPaid = () => new WechatPayError(403, 'ORDERPAID', '该订单已支付');
export const orderClosed = () => new WechatPayError(400, 'ORDER_CLOSED', '该订单已关闭');
export const invalidRequest = (message: string) => new WechatPayError(400, 'INVALID_REQUEST', message);
export const mchNotExists = () => new WechatPayError(400, 'MCH_NOT_EXISTS', '商户号不存在');
export const appidMchidNotMatch = () => new WechatPayError(400, 'APPID_MCHID_NOT_MATCH', 'appid和mch_id不匹配');
