import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PROJECT_ROOT } from '../../../config/environment.js';

/** Words too common in course copy to say anything about a course. */
const STOPWORDS = new Set(
  '的 了 和 与 及 或 在 是 把 被 从 到 让 用 对 为 以 等 中 上 下 你 我 他 她 它 们 这 那 一个 一些 如何 什么 怎么 可以 我们 你们 课程 学习 教程 讲解 系统 掌握 带你 本课 本课程 内容 通过 以及 进行 使用 快速 轻松 全面 基础 知识 简单 零基础 从零开始 the a an and or of to in for on with by is are you your this that how what'.split(
    ' ',
  ),
);
const TOKEN_CHARS = /[\p{L}\p{N}]/u;

export type Tokenize = (text: string) => string[];

let cached: Tokenize | null = null;

/**
 * jieba with the tech dictionary (it would split 微服务 into 微 + 服务), loaded once per process and
 * only by the batch and the offline tools, never by a page. Where the native binary cannot load,
 * `Intl.Segmenter` is the weaker fallback: it knows no tech words, but still separates words.
 */
export function tokenizer(): Tokenize {
  if (cached) return cached;
  cached = loadJieba() ?? segmenterTokenize;
  return cached;
}

function loadJieba(): Tokenize | null {
  try {
    const require = createRequire(import.meta.url);
    const { Jieba } = require('@node-rs/jieba') as typeof import('@node-rs/jieba');
    const { dict } = require('@node-rs/jieba/dict') as { dict: Uint8Array };
    const jieba = Jieba.withDict(dict);
    // From the project root, not next to this file: the compiled build (dist/) has no .txt files.
    jieba.loadDict(readFileSync(path.join(PROJECT_ROOT, 'src/modules/recommendations/engine/tech-dictionary.txt')));
    return (text) => clean(jieba.cut(text, false));
  } catch {
    return null;
  }
}

const segmenter = new Intl.Segmenter('zh', { granularity: 'word' });

function segmenterTokenize(text: string): string[] {
  return clean([...segmenter.segment(text)].filter((s) => s.isWordLike).map((s) => s.segment));
}

function clean(words: string[]): string[] {
  const out: string[] = [];
  for (const raw of words) {
    const w = raw.trim().toLowerCase();
    if (w.length === 0 || !TOKEN_CHARS.test(w) || STOPWORDS.has(w)) continue;
    // One Latin letter or digit is noise; one Chinese character can be a word (书, 码) but rarely
    // names a topic, so both go.
    if ([...w].length < 2) continue;
    out.push(w);
  }
  return out;
}
