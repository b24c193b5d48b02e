import path from 'node:path';
import { createAuditService } from '../../../src/modules/audit/index.js';
import { createCatalogAdminService, CourseForm, LessonForm } from '../../../src/modules/catalog/index.js';
import { createCommerce } from '../../../src/modules/commerce/index.js';
import { systemClock } from '../../../src/platform/clock.js';
import { openDatabase, type Db } from '../../../src/platform/db/index.js';
import { createLogger } from '../../../src/platform/logger.js';

/** The audit trail's actor for data a journey sets up: no account, as the trail allows. */
const SETUP_ACTOR = 0;

export interface ShopCourse {
  id: number;
  slug: string;
  title: string;
  /** The paid lesson (neither free preview) and the words only its body contains. */
  paidLesson: { id: number; title: string; marker: string };
}

/**
 * Opens the running server's SQLite database from the test process. The server keeps its own
 * connection; WAL and the busy timeout (set by openDatabase) let both write.
 */
export function openServerDatabase(dataDir: string): Db {
  return openDatabase({ client: 'sqlite', filename: path.join(dataDir, 'zhifu.db'), embedded: false });
}

/**
 * A published paid course with a free preview and a paid lesson, made the way the admin pages
 * make one (the catalogue's admin service, with its form schemas), so the rows are the app's own.
 */
export async function createPaidCourse(db: Db, c: { slug: string; title: string; priceYuan: string }): Promise<ShopCourse> {
  const catalog = createCatalogAdminService({ db, clock: systemClock, audit: createAuditService({ db, clock: systemClock }), onChange: () => {} });
  const course = await catalog.createCourse(
    SETUP_ACTOR,
    CourseForm.parse({ title: c.title, slug: c.slug, summary: `${c.title}：e2e 课程`, description: `${c.title}的课程介绍。`, price: c.priceYuan, category: 'backend', tags: 'e2e', difficulty: '2', cover_url: '' }),
  );
  await catalog.createLesson(SETUP_ACTOR, course.id, LessonForm.parse({ title: '开篇：这门课讲什么', body_md: '试看内容。', media_url: '', duration: '5', is_free_preview: 'on' }));
  const title = '第一个付费课时';
  const marker = `只有学员能看到的《${c.title}》正文`;
  const paidId = await catalog.createLesson(SETUP_ACTOR, course.id, LessonForm.parse({ title, body_md: `${marker}。\n\n- 要点一\n- 要点二`, media_url: '', duration: '12', is_free_preview: '' }));
  await catalog.setPublished(SETUP_ACTOR, course.id, true);
  return { id: course.id, slug: course.slug, title: c.title, paidLesson: { id: paidId, title, marker } };
}

/** Coupons and plans through the commerce service, as the creator's admin pages create them. */
export function commerceOn(db: Db) {
  const commerce = createCommerce({
    db,
    clock: systemClock,
    log: createLogger('warn'),
    audit: createAuditService({ db, clock: systemClock }),
    openidOf: async () => null,
    sendReminder: null,
    reminderIntervalMs: 60_000,
  });
  return {
    /** 立减 ¥N on every course, handed out by a claim link (no code to type); returns the link's token. */
    async amountOffCoupon(name: string, amountOffFen: number, quantity = 100): Promise<{ id: number; claimToken: string }> {
      const c = await commerce.coupons.create(null, {
        name,
        code: null,
        kind: 'amount',
        amountOffFen,
        thresholdFen: null,
        percentOff: null,
        scope: 'all',
        courseIds: [],
        validFrom: null,
        validUntil: null,
        quantity,
        perLearner: 1,
      });
      return { id: c.id, claimToken: c.claimToken };
    },

    async allCoursesPlan(name: string, priceFen: number, periodDays: number): Promise<{ id: number }> {
      const p = await commerce.memberships.createPlan(SETUP_ACTOR, { name, description: '有效期内全部课程随便学', priceFen, periodDays, scope: 'all', courseIds: [] });
      return { id: p.id };
    },
  };
}
