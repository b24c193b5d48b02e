/**
 * Folds what people do to slip a word past a filter: full-width letters and digits (NFKC), case, and
 * spaces, zero-width characters and separators between the characters ("加 我-微.信", "加ＶＸ").
 * Sentence punctuation (，。！？；：) is kept: it ends a phrase, so "增加，扣除" never reads as 加扣.
 */
function fold(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s\u200b-\u200f\u2060\ufeff\-_.*·•|/\\~^'"`+=#@&%$<>()[\]{}【】「」『』、]/gu, '');
}

/** Finds the first listed keyword a text contains; held text waits for an admin instead of going live. */
export function createKeywordFilter(keywords: readonly string[]) {
  const folded = keywords.map((k) => ({ word: k, key: fold(k) })).filter((k) => k.key !== '');
  return {
    /** The keyword as listed, or null when the text may be published. */
    match(text: string): string | null {
      const t = fold(text);
      return folded.find((k) => t.includes(k.key))?.word ?? null;
    },
  };
}

export type KeywordFilter = ReturnType<typeof createKeywordFilter>;
