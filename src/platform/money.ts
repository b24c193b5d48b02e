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
