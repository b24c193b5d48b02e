/** An error answered the way WeChat's Official Account APIs answer: HTTP 200 with `{errcode, errmsg}`. */
export class WechatApiError extends Error {
  constructor(
    readonly errcode: number,
    readonly errmsg: string,
  ) {
    super(errmsg);
    this.name = 'WechatApiError';
  }

  toBody(): { errcode: number; errmsg: string } {
    return { errcode: this.errcode, errmsg: this.errmsg };
  }
}

// errmsg texts follow WeChat's global return codes (WeChat appends ` rid: …`, which we omit).
export const wx = {
  invalidCredential: () => new WechatApiError(40001, 'invalid credential, access_token is invalid or not latest'),
  invalidGrantType: () => new WechatApiError(40002, 'invalid grant_type'),
  invalidOpenid: () => new WechatApiError(40003, 'invalid openid'),
  invalidAppid: () => new WechatApiError(40013, 'invalid appid'),
  invalidCode: () => new WechatApiError(40029, 'invalid code'),
  invalidRefreshToken: () => new WechatApiError(40030, 'invalid refresh_token'),
  invalidTicketType: () => new WechatApiError(40097, 'invalid args'),
  invalidTemplateId: () => new WechatApiError(40037, 'invalid template_id'),
  invalidSecret: () => new WechatApiError(40125, 'invalid appsecret'),
  codeBeenUsed: () => new WechatApiError(40163, 'code been used'),
  missingAccessToken: () => new WechatApiError(41001, 'access_token missing'),
  missingAppid: () => new WechatApiError(41002, 'appid missing'),
  missingSecret: () => new WechatApiError(41004, 'appsecret missing'),
  missingCode: () => new WechatApiError(41008, 'missing code'),
  missingOpenid: () => new WechatApiError(41009, 'missing openid'),
  accessTokenExpired: () => new WechatApiError(42001, 'access_token expired'),
  refreshTokenExpired: () => new WechatApiError(42002, 'refresh_token expired'),
  emptyPostData: () => new WechatApiError(44002, 'empty post data'),
  menuNotExist: () => new WechatApiError(46003, 'menu no exist'),
  dataFormatError: () => new WechatApiError(47001, 'data format error'),
  /** 47003 names the offending field, e.g. `argument invalid! data.thing1.value invalid`. */
  argumentInvalid: (detail: string) => new WechatApiError(47003, `argument invalid! ${detail}`),
  apiUnauthorized: () => new WechatApiError(48001, 'api unauthorized'),
};
