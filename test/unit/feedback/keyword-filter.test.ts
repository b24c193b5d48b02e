import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.js';
import { createKeywordFilter } from '../../../src/modules/feedback/keyword-filter.js';

const shipped = createKeywordFilter(loadConfig({ NODE_ENV: 'test' }).moderationKeywords);

describe('the moderation keyword filter', () => {
  it.each([
    ['加 我 微-信 聊', '加我微信'],
    ['加ＶＸ：abc123', '加vx'],
    ['加\u200b我\u200bQQ', '加我qq'],
    ['私聊我发你资料', '私聊我'],
    ['兼职·日结，在家就能做', '兼职日结'],
  ])('holds %s (matches %s) through spacing, full-width forms and separators', (text, keyword) => {
    expect(shipped.match(text)).toBe(keyword);
  });

  it.each([
    'grid 可以替代写很多 float 代码',
    '我每天刷单元测试',
    '这个可以取代考虑的方案',
    '再增加，扣除边距后',
    '在项目里添加微信支付的 SDK',
    '加微信登录按钮后回调失败',
    '返利系统的表结构怎么设计？',
    'Go 的 sync.Map 适合读多写少',
  ])('publishes ordinary technical Chinese: %s', (text) => {
    expect(shipped.match(text)).toBeNull();
  });

  it('ignores blank keywords and reads a list as given', () => {
    const f = createKeywordFilter(['', '  ', '菠萝']);
    expect(f.match('')).toBeNull();
    expect(f.match('我爱吃 菠 萝')).toBe('菠萝');
  });
});
