/**
 * A course as a learner studies it, for the page benchmarks: twelve lessons of real teaching
 * material (the demo catalogue's TypeScript course), one lesson with a busy comment section (threads,
 * replies, likes), written straight into the tables with knex in one transaction.
 */
import type { Knex } from 'knex';
import { DEMO_COURSES } from '../../src/modules/catalog/index.js';
import { DEMO_LESSONS } from '../../src/modules/catalog/demo-lessons.js';

const LESSONS = 12;
const THREADS = 10;
const REPLIES_PER_THREAD = 2;
const LIKES = 40;
/** Comments are older than the 10 minutes their authors may edit them in, so no page shows 编辑 by chance. */
const COMMENTS_AGO_MS = 3 * 24 * 3600_000;

const COMMENT_TEXTS = [
  '讲得很清楚，`strict` 打开之后果然报了一堆错，一个个修完心里踏实多了。',
  '老项目里 `any` 太多了，有没有推荐的渐进迁移顺序？先改工具函数还是先改页面？',
  '第二个例子我本地跑出来的报错信息和视频里不一样，是 TypeScript 版本的原因吗？',
  '```ts\nfunction greet(user?: User) {\n  return user?.profile?.nickname ?? \'朋友\';\n}\n```\n这样写是不是就够了？',
  '打卡，第一课学完。下班路上听了一遍，回家又对着代码敲了一遍。',
  '建议配合官方文档的 [Handbook](https://www.typescriptlang.org/docs/handbook/) 一起看，效果更好。',
  '团队里有人反对引入 TS，觉得拖慢开发速度，老师怎么看？',
  '类型收窄这一段能不能再多举几个例子？联合类型那里有点没跟上。',
  '终于明白 `unknown` 和 `any` 的区别了，之前一直混着用。',
  '已经在公司项目里试了，CI 里加了 `tsc --noEmit`，第一天就拦下了两个空值问题。',
];

const REPLY_TEXTS = ['同问，我也遇到了。', '先从被调用最多的工具函数开始，收益最大。', '版本不同报错文案会变，意思是一样的。', '谢谢分享！', '可以先在新文件里用，老文件慢慢迁。'];

export interface StudyCourse {
  courseId: number;
  slug: string;
  title: string;
  priceFen: number;
  lessonIds: number[];
  /** The lesson with the comments, a paid one: only owners may open it. */
  busyLessonId: number;
}

/**
 * The course, its lessons and, on the third lesson, THREADS comment threads with replies by
 * `commenters` and LIKES likes. `reader` owns the course (an admin grant) and has finished the first
 * two lessons.
 */
export async function seedStudyCourse(db: Knex, o: { reader: number; commenters: number[]; now: Date }): Promise<StudyCourse> {
  const demo = DEMO_COURSES.find((c) => c.slug === 'typescript-in-practice')!;
  const lessons = DEMO_LESSONS['typescript-in-practice']!;
  const now = o.now;
  const slug = 'bench-pages-typescript';
  return db.transaction(async (trx) => {
    const [courseId] = await trx('courses').insert({
      slug,
      title: demo.title,
      summary: demo.summary,
      description: demo.description,
      price_fen: 19900,
      category: demo.category,
      tags: demo.tags.join(','),
      difficulty: demo.difficulty,
      status: 'published',
      published_at: now,
      created_at: now,
      updated_at: now,
    });
    const id = Number(courseId);
    const lessonIds: number[] = [];
    for (let i = 0; i < LESSONS; i++) {
      const l = lessons[i % lessons.length]!;
      const [lessonId] = await trx('lessons').insert({
        course_id: id,
        position: i + 1,
        title: i < lessons.length ? l.title : `${l.title}（练习 ${i + 1}）`,
        body_md: l.bodyMd,
        media_url: l.mediaUrl,
        duration_seconds: l.durationSeconds,
        is_free_preview: i === 0,
        created_at: now,
        updated_at: now,
      });
      lessonIds.push(Number(lessonId));
    }
    const busyLessonId = lessonIds[2]!;
    await trx('access_grants').insert({ user_id: o.reader, course_id: id, source: 'admin_grant', source_key: 'admin', order_id: null, granted_at: now });
    for (const lessonId of lessonIds.slice(0, 2)) {
      await trx('lesson_progress').insert({ user_id: o.reader, lesson_id: lessonId, course_id: id, first_opened_at: now, last_opened_at: now, last_active_at: now, seconds_studied: 300, completed_at: now });
    }
    const at = (n: number) => new Date(now.getTime() - COMMENTS_AGO_MS + n * 60_000);
    const author = (n: number) => o.commenters[n % o.commenters.length]!;
    for (let t = 0; t < THREADS; t++) {
      const [parent] = await trx('comments').insert({ course_id: id, lesson_id: busyLessonId, user_id: author(t), parent_id: null, reply_to_user_id: null, body_md: COMMENT_TEXTS[t % COMMENT_TEXTS.length]!, status: 'published', created_at: at(t * 10) });
      for (let r = 0; r < REPLIES_PER_THREAD; r++) {
        await trx('comments').insert({ course_id: id, lesson_id: busyLessonId, user_id: author(t + r + 1), parent_id: Number(parent), reply_to_user_id: author(t), body_md: REPLY_TEXTS[(t + r) % REPLY_TEXTS.length]!, status: 'published', created_at: at(t * 10 + r + 1) });
      }
    }
    for (let n = 0; n < Math.min(LIKES, o.commenters.length); n++) {
      await trx('likes').insert({ user_id: o.commenters[n]!, target_type: 'lesson', target_id: busyLessonId, course_id: id, created_at: at(n) });
    }
    return { courseId: id, slug, title: demo.title, priceFen: 19900, lessonIds, busyLessonId };
  });
}
