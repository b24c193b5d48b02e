/**
 * CSV for spreadsheets. A cell a spreadsheet would run as a formula (starting with =, +, -, @, a tab
 * or a carriage return: OWASP's CSV injection list) gets a leading apostrophe, and every cell is quoted.
 * The BOM makes Excel read the file as UTF-8, so Chinese course titles survive.
 */
export function csvCell(value: string | number | null): string {
  let text = value === null ? '' : String(value);
  // A number is data, not a formula: -500 stays a number a spreadsheet can add up.
  if (typeof value !== 'number' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return `"${text.replace(/"/g, '""')}"`;
}

export function toCsv(header: string[], rows: Array<Array<string | number | null>>): string {
  return '\uFEFF' + [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
