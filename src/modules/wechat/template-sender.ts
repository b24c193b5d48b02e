import type { Logger } from '../../platform/logger.js';
import type { TokenCache } from './token-cache.js';
import { WechatApiError, type TemplateMessage, type WechatApi } from './wechat-api.js';

/**
 * Sends template messages with the shared access token. An invalid or expired token (40001/42001)
 * means WeChat sent nothing, so the token cache refreshes it once and the send is retried safely.
 */
export function createTemplateSender(deps: { api: WechatApi; tokens: TokenCache; log: Logger }) {
  return {
    /** Answers WeChat's msgid (decimal digits); throws WechatApiError for any errcode. */
    async send(message: TemplateMessage): Promise<string> {
      try {
        const msgid = await deps.tokens.withAccessToken((token) => deps.api.sendTemplateMessage(token, message));
        deps.log.info({ event: 'wechat.template.sent', templateId: message.templateId, msgid }, 'template message sent');
        return msgid;
      } catch (err) {
        // The data may carry a learner's details: log which template failed and why, not what it said.
        const errcode = err instanceof WechatApiError ? err.errcode : undefined;
        deps.log.warn({ event: 'wechat.template.failed', templateId: message.templateId, errcode }, 'template message not sent');
        throw err;
      }
    },
  };
}

export type TemplateSender = ReturnType<typeof createTemplateSender>;
