import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';

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

/** Markdown to HTML that is safe to insert with `<%-`: the one renderer for lessons, courses and previews. */
export function renderMarkdown(source: string): string {
  return sanitizeHtml(md.render(source), ALLOWED);
}

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
export function renderCommentMarkdown(source: string): string {
  return sanitizeHtml(lite.render(source), LITE_ALLOWED);
}
