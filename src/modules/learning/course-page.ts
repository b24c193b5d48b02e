import type { Request, Response } from 'express';
import type { CourseService, PickedCourse, Course } from '../catalog/index.js';
import { renderMarkdown } from '../catalog/index.js';
import type { EnrolmentService, Viewer } from '../enrolments/index.js';
import type { FeedbackPanels } from '../feedback/index.js';
import type { LearningService } from './learning-service.js';
import { courseView, outlineView, viewerOf } from './learning-views.js';

/** What the shop offers this viewer on a course page (commerce): membership, coupon, plans. */
export interface CourseOffer {
  /** A live membership opens the course: until when (Beijing day). */
  member: { planName: string; until: string } | null;
  /** The best coupon the learner holds for it, applied at checkout unless a code is typed. */
  coupon: { name: string; label: string; list: string; discount: string; payable: string } | null;
  /** Plans on sale that open it: 开通会员免费学. */
  plans: Array<{ name: string; price: string; periodDays: number }>;
}

/** A checkout refused for its coupon: the page shows the message beside the code the learner typed. */
export interface CheckoutRefusal {
  couponCode: string;
  message: string;
}

/** The course page, for GET and for a checkout whose coupon was refused (re-rendered with 422). */
export function createCoursePage(deps: {
  courses: CourseService;
  enrolments: EnrolmentService;
  learning: LearningService;
  feedback: FeedbackPanels;
  /** The learner's own share link to a course (it carries their share code, for attribution). */
  shareLink: (userId: number, slug: string) => Promise<string>;
  /** 学了这门课的人还学了 (or 相关课程) for anyone, the viewer's own courses left out; heading '' means none. */
  alsoStudied?: (courseId: number, viewerId: number | null) => Promise<{ heading: string; items: PickedCourse[] }>;
  /** 下一步学什么 for a learner who finished the course. */
  nextSteps?: (userId: number, courseId: number) => Promise<PickedCourse[]>;
  offers?: (viewer: Viewer | null, course: Course) => Promise<CourseOffer>;
}) {
  const { courses, enrolments, learning, feedback } = deps;
  const noOffer: CourseOffer = { member: null, coupon: null, plans: [] };

  async function show(req: Request, res: Response, slug: string, refusal?: CheckoutRefusal): Promise<void> {
    const viewer = viewerOf(req);
    const course = await courses.courseForViewer(slug, viewer, (courseId) => (viewer ? enrolments.isEnrolled(viewer.id, courseId) : Promise.resolve(false)));
    const lessons = await courses.outline(course.id);
    const [learners, enrolled, offer] = await Promise.all([
      enrolments.learnerCounts([course.id]),
      viewer ? enrolments.isEnrolled(viewer.id, course.id) : Promise.resolve(false),
      deps.offers && course.priceFen > 0 ? deps.offers(viewer, course) : Promise.resolve(noOffer),
    ]);
    const studying = enrolled || offer.member !== null;
    const progress = viewer && studying ? await learning.courseProgress(viewer.id, course.id, lessons.map((l) => l.id)) : null;
    const finished = viewer !== null && progress !== null && progress.total > 0 && progress.done === progress.total;
    const { alsoStudied, nextSteps } = deps;
    const [panel, also, next] = await Promise.all([
      feedback.course(course, viewer),
      alsoStudied ? alsoStudied(course.id, viewer?.id ?? null) : null,
      nextSteps && finished ? nextSteps(viewer.id, course.id) : [],
    ]);
    // A course already offered as the next step is not offered again further down.
    const offered = new Set(next.map((p) => p.card.id));
    // The heading already says why (学了这门课的人还学了, 相关课程); only a creator's pin says so itself.
    const related =
      also && also.heading !== ''
        ? { heading: also.heading, items: also.items.filter((p) => !offered.has(p.card.id)).map((p) => ({ card: p.card, reason: p.reasonKind === 'pinned' ? p.reason : '' })) }
        : null;
    if (!refusal) req.track?.('course_view', { courseId: course.id });
    const firstFree = lessons.find((l) => l.isFreePreview);
    if (refusal) res.status(422);
    res.render('learning/course', {
      title: course.title,
      course: { ...courseView(course), descriptionHtml: renderMarkdown(course.description), learners: learners.get(course.id) ?? 0 },
      lessons: outlineView(course.slug, lessons, progress?.completedIds ?? new Set()),
      enrolled,
      studying,
      offer,
      checkout: refusal ?? null,
      progress,
      resumeUrl: progress?.resumeLessonId ? `/courses/${course.slug}/lessons/${progress.resumeLessonId}` : null,
      previewUrl: firstFree ? `/courses/${course.slug}/lessons/${firstFree.id}` : null,
      feedback: panel,
      shareUrl: viewer ? await deps.shareLink(viewer.id, course.slug) : null,
      nextSteps: next,
      related: related && related.items.length > 0 ? related : null,
    });
  }

  return { show };
}

export type CoursePage = ReturnType<typeof createCoursePage>;
