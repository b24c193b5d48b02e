import { describe, expect, it } from 'vitest';
import { formatFen, formatYuan } from '../../../src/platform/money.js';

describe('formatFen', () => {
  it.each([
    [0, '免费'],
    [1, '¥0.01'],
    [10, '¥0.10'],
    [100, '¥1.00'],
    [19900, '¥199.00'],
    [123450, '¥1,234.50'],
    [100000000, '¥1,000,000.00'],
  ])('shows %i fen as %s', (fen, shown) => {
    expect(formatFen(fen)).toBe(shown);
  });
});

describe('formatYuan', () => {
  it.each([
    [0, '¥0.00'],
    [3000, '¥30.00'],
    [-2050, '-¥20.50'],
  ])('shows %i fen as %s, never 免费', (fen, shown) => {
    expect(formatYuan(fen)).toBe(shown);
  });
});
