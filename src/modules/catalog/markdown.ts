import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';
import { createLru } from '../../platform/lru.js';

// Raw HTML in Markdown is escaped by markdown-it (html: false); the sanitiser is a second wall that
// also drops javascript:/data: links and any attribute we did not list, whatever a plugin emits.
// No style attributes at all: the CSP forbids inline styles, so table alignment is dropped.
const md = new MarkdownIt({ html: false, linkify: true, typographer: false, breaks: false });

const ALLOWED = {
  allowedTags: [
    'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'p', 'br', 'hr', 'blockquote', 'pre', 'code', 'ul', 'ol', 'li',
    'strong', 'em', 's', 'a', 'img', 'table', 'thead', 'tbody', 'tr', 'th', 'td',
  ],
  allowedAttributes: {
    a: ['href', 'title', 'rel'],
    img: ['src', 'alt', 'title'],
    code: ['class'],
    ol: ['start'],
  },
  allowedClasses: { code: [/^language-[a-z0-9+#-]+$/] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['https'] },
  allowProtocolRelative: false,
  transformTags: { a: sanitizeHtml.simpleTransform('a', { rel: 'nofollow noopener noreferrer' }) },
} satisfies sanitizeHtml.IOptions;

/**
 * Rendering is a pure function of the source, so its result is kept by the source itself: a lesson
 * or a comment shown again costs a map lookup instead of a parse and a sanitise (together the
 * largest part of a lesson page's own work). Keyed by content, never by id, so an edited text is a
 * new key and no process can serve stale HTML; the least recently used go once the budget (in
 * characters) is spent.
 */
export function memoByContent(render: (source: string) => string, budgetChars: number): (source: string) => string {
  const kept = createLru<string>(budgetChars, (source, html) => source.length + html.length);
  return (source) => {
    const hit = kept.get(source);
    if (hit !== undefined) return hit;
    const html = render(source);
    kept.set(source, html);
    return html;
  };
}

/** Lessons and course descriptions: a few hundred of them at about 10 kB each. */
const LESSON_BUDGET_CHARS = 8_000_000;
/** Comments are short and many: the ones on the pages people read now. */
const COMMENT_BUDGET_CHARS = 4_000_000;

/** Markdown to HTML that is safe to insert with `<%-`: the one renderer for lessons, courses and previews. */
export const renderMarkdown: (source: string) => string = memoByContent((source) => sanitizeHtml(md.render(source), ALLOWED), LESSON_BUDGET_CHARS);

// Learners' comments and reviews: paragraphs (a single newline is a line break), inline code, code
// blocks and links, nothing else. Emphasis is off too, so `*ptr` and `a_b_c` in code talk stay as typed.
const lite = new MarkdownIt({ html: false, linkify: true, typographer: false, breaks: true }).disable([
  'heading', 'lheading', 'image', 'table', 'hr', 'list', 'blockquote', 'emphasis', 'strikethrough',
]);

const LITE_ALLOWED = {
  ...ALLOWED,
  allowedTags: ['p', 'br', 'pre', 'code', 'a'],
  allowedAttributes: { a: ['href', 'rel'], code: ['class'] },
} satisfies sanitizeHtml.IOptions;

/** Markdown-lite for what learners write, through the same sanitiser (with fewer tags) as lessons. */
export const renderCommentMarkdown: (source: string) => string = memoByContent((source) => sanitizeHtml(lite.render(source), LITE_ALLOWED), COMMENT_BUDGET_CHARS);
