/** Money is integer fen; yuan exist only in what people read and type. */
export function formatFen(fen: number): string {
  if (fen === 0) return '免费';
  const yuan = Math.trunc(fen / 100);
  const rest = String(fen % 100).padStart(2, '0');
  return `¥${yuan.toLocaleString('en-US')}.${rest}`;
}
