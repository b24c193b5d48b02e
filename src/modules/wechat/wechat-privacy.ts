import type { Knex } from 'knex';

/** The message server's receipts name the sender's openid for ten minutes; erasure drops them at once. */
export function createWechatPrivacy() {
  return {
    async erase(trx: Knex, openid: string | null): Promise<void> {
      if (!openid) return;
      // LIKE narrows the search (its _ may match more); the exact keys are picked in code.
      const keys = (await trx('wechat_message_receipts').where('message_key', 'like', `%${openid}%`).pluck('message_key')).map(String).filter((k) => k.includes(`:${openid}:`));
      if (keys.length > 0) await trx('wechat_message_receipts').whereIn('message_key', keys).delete();
    },
  };
}
