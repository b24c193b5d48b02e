// Where each kind of canary may appear, and nowhere else. A canary found anywhere not listed here
// is a leak. Titles and the public outline are not canaries: they are meant to be public.
import type { Canary } from './world.js';
import type { Person } from './http-client.js';

export interface Place {
  person: Person['name'];
  method: string;
  /** The route pattern, as the router has it (`/courses/:slug/lessons/:lessonId`). */
  route: string;
  params: Record<string, string>;
}

const get = (p: Place, route: string, param: string, value: number | undefined) => p.method === 'GET' && p.route === route && p.params[param] === String(value);
const lessonPage = (p: Place, lessonId: number | undefined) => get(p, '/courses/:slug/lessons/:lessonId', 'lessonId', lessonId);
const editForm = (p: Place, lessonId: number | undefined) => p.person === 'admin' && get(p, '/admin/courses/:id/lessons/:lessonId/edit', 'lessonId', lessonId);
const commentsJson = (p: Place, lessonId: number | undefined) => get(p, '/api/lessons/:lessonId/comments', 'lessonId', lessonId);
const exportOf = (p: Place, who: Place['person'] | undefined) => p.person === who && p.route === '/me/privacy/export';
/** Who may study the paid course now; the lapsed learner's access ended with the refund. */
const mayStudy = (who: Place['person'] | undefined) => who === 'owner' || who === 'otherOwner' || who === 'admin';

export function allowed(c: Canary, p: Place): boolean {
  switch (c.kind) {
    case 'preview':
      return true;
    case 'locked':
      return (mayStudy(p.person) && lessonPage(p, c.lessonId)) || editForm(p, c.lessonId) || exportOf(p, 'owner');
    case 'comment':
    case 'held': {
      // A held comment is its author's and the moderators' until it is approved.
      const readers = c.kind === 'held' ? mayStudy(p.person) && (p.person === c.author || p.person === 'admin') : mayStudy(p.person);
      if (readers && (lessonPage(p, c.lessonId) || commentsJson(p, c.lessonId))) return true;
      if (c.kind === 'held' && p.person === 'admin' && p.route === '/admin/feedback') return true;
      // The author edits it, exports it; whom it answers reads it in 回复我的 while they may study.
      if (mayStudy(c.author) && p.person === c.author && get(p, '/comments/:id/edit', 'id', c.commentId)) return true;
      if (exportOf(p, c.author)) return true;
      return mayStudy(p.person) && p.person === c.replyTo && p.route === '/me/replies';
    }
    case 'draftCourse':
      // The creator's own pages and the preview of the draft; nothing public.
      return p.person === 'admin' && (p.route.startsWith('/admin') || p.route.startsWith('/courses/:slug'));
    case 'draftLesson':
      return (p.person === 'admin' && lessonPage(p, c.lessonId)) || editForm(p, c.lessonId);
  }
}
