import { Router } from 'express';
import { NotFoundError, ValidationError } from '../../platform/errors.js';
import { formValues, idParam, setFlash } from '../../platform/http/index.js';
import { beijingDateTime } from '../../platform/time.js';
import { requireAdmin } from '../accounts/index.js';
import { categoryLabel, type CatalogAdminService } from '../catalog/index.js';
import type { Recommendations } from '../recommendations/index.js';

type Mode = 'pin' | 'exclude' | 'none';
const MODES: Record<string, Mode> = { pin: 'pin', exclude: 'exclude', none: 'none' };
const MODE_LABELS: Record<Mode, string> = { pin: '置顶', exclude: '不推荐', none: '推荐中' };
const DONE: Record<Mode, (title: string) => string> = {
  pin: (t) => `已置顶《${t}》：它会排在推荐的最前面，标注“创作者推荐”`,
  exclude: (t) => `《${t}》不会再出现在任何推荐里`,
  none: (t) => `《${t}》已恢复正常推荐`,
};
const BUILD_STATUS: Record<string, string> = { ready: '已完成', building: '构建中', failed: '失败' };
const ALGORITHMS: Record<string, string> = { ease: 'EASE^R', knn: 'item-kNN' };

/** 0.834 → 83.4%: one decimal, so a small change between builds is visible. */
const percent = (x: number | null) => (x === null ? '—' : `${Math.round(x * 1000) / 10}%`);

function duration(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 60_000) return `${Math.round(ms / 100) / 10} 秒`;
  return `${Math.floor(ms / 60_000)} 分 ${Math.round((ms % 60_000) / 1000)} 秒`;
}

/**
 * /admin/recommendations: the creator pins a course (first in everyone's 为你推荐) or keeps one out
 * of every recommendation, and sees how varied the latest builds were.
 */
export function recommendationAdminRoutes(deps: {
  recommendations: Pick<Recommendations, 'overrides' | 'setOverride' | 'builds'>;
  catalog: CatalogAdminService;
}): Router {
  const { recommendations, catalog } = deps;
  const router = Router();
  router.use('/admin/recommendations', requireAdmin);

  const modeOf = (o: Awaited<ReturnType<typeof recommendations.overrides>>, courseId: number): Mode =>
    o.pinned.includes(courseId) ? 'pin' : o.excluded.has(courseId) ? 'exclude' : 'none';

  router.get('/admin/recommendations', async (_req, res) => {
    const [all, overrides, builds] = await Promise.all([catalog.allCourses(), recommendations.overrides(), recommendations.builds(10)]);
    // Published first: they are the ones recommendations can show; drafts keep their setting for later.
    const courses = [...all.filter((c) => c.status === 'published'), ...all.filter((c) => c.status !== 'published')].map((c) => {
      const mode = modeOf(overrides, c.id);
      const published = c.status === 'published';
      return {
        id: c.id,
        title: c.title,
        slug: c.slug,
        categoryLabel: categoryLabel(c.category),
        published,
        mode,
        stateLabel: mode === 'none' && !published ? '未发布' : MODE_LABELS[mode],
      };
    });
    // The newest finished build is the one being served: a failed build leaves the previous one in place.
    const servedId = builds.find((b) => b.status === 'ready')?.id ?? null;
    const rows = builds.map((b) => ({
      id: b.id,
      time: beijingDateTime(b.builtAt ?? b.startedAt),
      status: b.id === servedId ? '使用中' : (BUILD_STATUS[b.status] ?? b.status),
      served: b.id === servedId,
      algorithm: ALGORITHMS[b.algorithm] ?? b.algorithm,
      courses: b.courses,
      learners: b.learners,
      coverage: percent(b.coverage),
      concentration: percent(b.concentration),
      duration: duration(b.durationMs),
    }));
    res.render('admin/recommendations', { title: '推荐管理', courses, builds: rows, served: rows.find((b) => b.served) ?? null });
  });

  router.post('/admin/recommendations/:courseId', async (req, res) => {
    const courseId = idParam(req.params.courseId, () => new NotFoundError('COURSE_NOT_FOUND', '课程不存在'));
    const raw = formValues(req.body, ['mode']).mode ?? '';
    // Own keys only: `toString` is not a mode, however the object answers it.
    const mode = Object.hasOwn(MODES, raw) ? MODES[raw] : undefined;
    if (!mode) throw new ValidationError('RECS_BAD_MODE', '推荐设置只能是置顶、不推荐或恢复推荐');
    const course = await catalog.course(courseId);
    await recommendations.setOverride(courseId, mode === 'none' ? null : mode, req.currentUser!.id);
    setFlash(req, 'success', DONE[mode](course.title));
    res.redirect(303, '/admin/recommendations');
  });

  return router;
}
