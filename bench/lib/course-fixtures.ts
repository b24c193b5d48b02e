/**
 * A large, realistic, reproducible catalogue for benchmarks: Chinese titles and summaries, every
 * category, prices from free to ¥1,299, written straight into `courses` with knex in batches.
 */
import type { Knex } from 'knex';
import { CATEGORIES, type CategoryCode } from '../../src/modules/catalog/index.js';
import { mulberry32 } from '../../src/modules/recommendations/offline/index.js';

interface Topic {
  slug: string;
  name: string;
  category: CategoryCode;
  tags: string[];
}

const TOPICS: Topic[] = [
  { slug: 'typescript', name: 'TypeScript', category: 'frontend', tags: ['typescript', 'javascript'] },
  { slug: 'react', name: 'React', category: 'frontend', tags: ['react', 'javascript'] },
  { slug: 'vue', name: 'Vue 3', category: 'frontend', tags: ['vue', 'javascript'] },
  { slug: 'css', name: 'CSS 布局', category: 'frontend', tags: ['css', '布局'] },
  { slug: 'webpack', name: 'Vite 与 Webpack', category: 'frontend', tags: ['构建工具', '工程化'] },
  { slug: 'web-perf', name: '前端性能优化', category: 'frontend', tags: ['性能', '浏览器'] },
  { slug: 'nodejs', name: 'Node.js', category: 'backend', tags: ['node.js', '后端'] },
  { slug: 'go', name: 'Go 语言', category: 'backend', tags: ['go', '后端'] },
  { slug: 'java-spring', name: 'Spring Boot', category: 'backend', tags: ['java', 'spring'] },
  { slug: 'mysql', name: 'MySQL', category: 'backend', tags: ['mysql', '数据库'] },
  { slug: 'redis', name: 'Redis', category: 'backend', tags: ['redis', '缓存'] },
  { slug: 'rust', name: 'Rust', category: 'backend', tags: ['rust', '系统编程'] },
  { slug: 'python-web', name: 'Python Web 开发', category: 'backend', tags: ['python', 'django'] },
  { slug: 'miniprogram', name: '微信小程序', category: 'mobile', tags: ['小程序', '微信'] },
  { slug: 'flutter', name: 'Flutter', category: 'mobile', tags: ['flutter', 'dart'] },
  { slug: 'swiftui', name: 'SwiftUI', category: 'mobile', tags: ['ios', 'swift'] },
  { slug: 'kotlin', name: 'Kotlin 与 Jetpack Compose', category: 'mobile', tags: ['android', 'kotlin'] },
  { slug: 'harmonyos', name: '鸿蒙应用开发', category: 'mobile', tags: ['鸿蒙', 'arkts'] },
  { slug: 'llm-apps', name: '大模型应用', category: 'ai', tags: ['大模型', 'rag'] },
  { slug: 'prompt', name: '提示词工程', category: 'ai', tags: ['大模型', '提示词'] },
  { slug: 'ml', name: '机器学习', category: 'ai', tags: ['机器学习', 'python'] },
  { slug: 'pytorch', name: 'PyTorch 深度学习', category: 'ai', tags: ['深度学习', 'pytorch'] },
  { slug: 'cv', name: '计算机视觉', category: 'ai', tags: ['视觉', '深度学习'] },
  { slug: 'docker', name: 'Docker', category: 'devops', tags: ['docker', '容器'] },
  { slug: 'k8s', name: 'Kubernetes', category: 'devops', tags: ['kubernetes', '运维'] },
  { slug: 'linux', name: 'Linux 运维', category: 'devops', tags: ['linux', 'shell'] },
  { slug: 'ci-cd', name: 'CI/CD 流水线', category: 'devops', tags: ['ci', '自动化'] },
  { slug: 'observability', name: '可观测性：日志、指标与链路追踪', category: 'devops', tags: ['监控', '运维'] },
  { slug: 'interview', name: '技术面试', category: 'career', tags: ['面试', '求职'] },
  { slug: 'system-design', name: '系统设计', category: 'career', tags: ['架构', '系统设计'] },
  { slug: 'tech-writing', name: '技术写作', category: 'career', tags: ['写作', '软技能'] },
  { slug: 'tech-lead', name: '技术管理', category: 'career', tags: ['管理', '团队'] },
];

const TITLE_PATTERNS = [
  (t: string) => `${t} 从入门到精通`,
  (t: string) => `${t} 实战：十个真实项目`,
  (t: string) => `${t} 核心原理与源码剖析`,
  (t: string) => `零基础学 ${t}`,
  (t: string) => `${t} 进阶：性能与最佳实践`,
  (t: string) => `${t} 高频面试题精讲`,
  (t: string) => `${t} 工程化落地指南`,
  (t: string) => `一周上手 ${t}`,
];

const SUMMARY_PATTERNS = [
  (t: string) => `用一个完整项目串起 ${t} 的常用知识点，学完就能在团队里用起来。`,
  (t: string) => `讲清楚 ${t} 背后的设计思路，告别“照着抄能跑、换个场景就不会”。`,
  (t: string) => `面向有一定基础的开发者，系统梳理 ${t} 的进阶用法与常见陷阱。`,
  (t: string) => `每节课二十分钟，通勤路上也能学 ${t}；配套代码和练习题，随时动手验证。`,
  (t: string) => `来自一线大厂的经验总结：${t} 在高并发、大团队场景下怎么用才不踩坑。`,
  (t: string) => `从环境搭建讲起，手把手带你完成第一个 ${t} 作品，适合刚入门的同学。`,
];

/** Prices in fen, free included; the weights make paid courses the common case. */
const PRICES_FEN = [0, 0, 990, 1990, 4900, 6900, 9900, 9900, 14900, 19900, 19900, 29900, 39900, 59900, 129900];


export interface SeedResult {
  published: number;
  free: number;
  byCategory: Record<string, number>;
}

/** Inserts `count` published courses, newest first by index, `batchSize` rows per insert, in one transaction. */
export async function seedPublishedCourses(db: Knex, opts: { count: number; batchSize?: number; now?: Date }): Promise<SeedResult> {
  const random = mulberry32(20261125);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const now = (opts.now ?? new Date()).getTime();
  const batchSize = opts.batchSize ?? 100;
  const result: SeedResult = { published: 0, free: 0, byCategory: Object.fromEntries(CATEGORIES.map((c) => [c.code, 0])) };

  const rows = Array.from({ length: opts.count }, (_, i) => {
    const topic = pick(TOPICS);
    const title = pick(TITLE_PATTERNS)(topic.name);
    const summary = pick(SUMMARY_PATTERNS)(topic.name);
    const priceFen = pick(PRICES_FEN);
    const publishedAt = new Date(now - i * 37 * 60_000); // one course every 37 minutes, going back ~26 days
    const createdAt = new Date(publishedAt.getTime() - 3 * 24 * 3600_000);
    result.published += 1;
    result.byCategory[topic.category]! += 1;
    if (priceFen === 0) result.free += 1;
    return {
      slug: `${topic.slug}-${String(i + 1).padStart(4, '0')}`,
      title,
      summary,
      description: `${summary}\n\n${title}共 ${8 + Math.floor(random() * 40)} 节课，包含视频、讲义和课后练习。\n\n学完之后，你可以独立完成一个可以写进简历的 ${topic.name} 项目。`,
      price_fen: priceFen,
      category: topic.category,
      tags: [...topic.tags, pick(['入门', '进阶', '实战', '原理', '面试'])].join(','),
      difficulty: 1 + Math.floor(random() * 5),
      // Most courses use their category's illustration; some creators upload their own cover.
      cover_url: random() < 0.15 ? `https://img.zhifu.example/covers/${topic.slug}-${i + 1}.jpg` : null,
      status: 'published',
      published_at: publishedAt,
      created_at: createdAt,
      updated_at: publishedAt,
    };
  });

  await db.transaction(async (trx) => {
    for (let i = 0; i < rows.length; i += batchSize) {
      await trx('courses').insert(rows.slice(i, i + batchSize));
    }
  });
  return result;
}

/** One published course a benchmark buys (category backend, tag bench); its id. */
export async function insertBenchCourse(db: Knex, c: { slug: string; title: string; priceFen: number; now: Date }): Promise<number> {
  const [id] = await db('courses').insert({
    slug: c.slug,
    title: c.title,
    summary: '压测用课程',
    description: '压测用课程',
    price_fen: c.priceFen,
    category: 'backend',
    tags: 'bench',
    difficulty: 1,
    status: 'published',
    published_at: c.now,
    created_at: c.now,
    updated_at: c.now,
  });
  return Number(id);
}
