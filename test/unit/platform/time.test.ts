import { describe, expect, it } from 'vitest';
import { beijingClock, beijingDate, beijingDateTime } from '../../../src/platform/time.js';

describe('Beijing time', () => {
  it('shows a UTC instant eight hours ahead, crossing midnight into the Beijing day', () => {
    const d = new Date('2026-11-30T22:59:30Z');

    expect(beijingDateTime(d)).toBe('2026-12-01 06:59');
    expect(beijingDate(d)).toBe('2026-12-01');
    expect(beijingClock(d)).toBe('06:59');
  });

  it('writes midnight as 00, never 24', () => {
    expect(beijingDateTime(new Date('2026-12-01T16:00:00Z'))).toBe('2026-12-02 00:00');
  });
});
