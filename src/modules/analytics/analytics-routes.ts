import { Router } from 'express';
import { formValues } from '../../platform/http/index.js';

/** The share beacon: the course page's 复制链接 and WeChat's share callback say a learner shared. */
export function analyticsRoutes(): Router {
  const router = Router();
  router.post('/api/share', (req, res) => {
    const { course_id } = formValues(req.body, ['course_id']);
    if (!/^\d{1,9}$/.test(course_id ?? '')) return res.status(400).json({ code: 'BAD_COURSE', message: '课程不存在' });
    req.track?.('share', { courseId: Number(course_id) });
    res.status(204).end();
  });
  return router;
}
