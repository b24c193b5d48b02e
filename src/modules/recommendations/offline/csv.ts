import { DataFileError } from './data-file-error.js';

/** One parsed record and the line it starts on (1-based; a quoted field may span lines). */
export interface CsvRecord {
  line: number;
  fields: string[];
}

/**
 * RFC 4180 as spreadsheets write it: fields quoted with `"`, a quote inside doubled, line breaks
 * CRLF or LF (inside quotes they are data, read as LF), an optional UTF-8 BOM. Wholly empty lines are
 * skipped, so a trailing newline or a blank line at the end is not a record. Anything a spreadsheet
 * would not have written (a stray quote in a bare field, text after a closing quote, a quote never
 * closed) is an error naming the line, because guessing there silently shifts columns.
 */
export function parseCsv(text: string, file: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  const n = text.length;
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  while (pos < n) {
    const start = line;
    const fields: string[] = [];
    // One record: fields until an unquoted line break or the end of the text.
    for (;;) {
      if (text.charCodeAt(pos) === QUOTE) {
        const opened = line;
        let value = '';
        let from = pos + 1;
        for (;;) {
          const q = text.indexOf('"', from);
          if (q === -1) throw new DataFileError(file, opened, 'a quoted field is never closed (missing ")');
          line += countLineBreaks(text, from, q);
          if (text.charCodeAt(q + 1) === QUOTE) {
            value += text.slice(from, q + 1);
            from = q + 2;
            continue;
          }
          value += text.slice(from, q);
          pos = q + 1;
          break;
        }
        fields.push(value.includes('\r') ? value.replace(/\r\n/g, '\n') : value);
        const c = text.charCodeAt(pos);
        if (pos < n && c !== COMMA && c !== LF && c !== CR) {
          throw new DataFileError(file, line, `unexpected text after a closing quote in field ${fields.length}`);
        }
      } else {
        let end = pos;
        while (end < n) {
          const c = text.charCodeAt(end);
          if (c === COMMA || c === LF || c === CR) break;
          if (c === QUOTE) {
            throw new DataFileError(file, line, `a quote inside unquoted field ${fields.length + 1}; quote the whole field and double the quote ("")`);
          }
          end++;
        }
        fields.push(text.slice(pos, end));
        pos = end;
      }
      if (pos >= n) break;
      const c = text.charCodeAt(pos);
      if (c === COMMA) {
        pos++;
        continue;
      }
      // A line break ends the record: CRLF, LF, or a lone CR (old Mac files).
      pos += c === CR && text.charCodeAt(pos + 1) === LF ? 2 : 1;
      line++;
      break;
    }
    if (!(fields.length === 1 && fields[0] === '')) records.push({ line: start, fields });
  }
  return records;
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

function countLineBreaks(text: string, from: number, to: number): number {
  let k = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === LF) k++;
    else if (c === CR && text.charCodeAt(i + 1) !== LF) k++;
  }
  return k;
}

/** One output line: a field is quoted only when it has to be, so ids and numbers stay bare. */
export function csvRow(fields: readonly (string | number)[]): string {
  return fields.map(csvField).join(',') + '\n';
}

function csvField(v: string | number): string {
  const s = String(v);
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}
