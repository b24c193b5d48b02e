/** Money is integer fen; yuan exist only in what people read and type. */

/** `¥1,299.00`: an amount of money, zero included (a total, a refund). */
export function formatYuan(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  const yuan = Math.trunc(abs / 100);
  const rest = String(abs % 100).padStart(2, '0');
  return `${sign}¥${yuan.toLocaleString('en-US')}.${rest}`;
}

/** A price: a free course says 免费. */
export function formatFen(fen: number): string {
  return fen === 0 ? '免费' : formatYuan(fen);
}

/** "99", "99.9" or "99.90" yuan → 9990 fen, without floating point (callers check the shape first). */
export function yuanToFen(yuan: string): number {
  const [whole, frac = ''] = yuan.split('.');
  return Number(whole) * 100 + Number(frac.padEnd(2, '0'));
}

/** 9990 fen → "99.90", for a form field. */
export function fenToYuanInput(fen: number): string {
  return `${Math.trunc(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
}

/** The shape of an amount typed in yuan: up to 999999.99. */
export const YUAN_PATTERN = /^\d{1,6}(\.\d{1,2})?$/;
