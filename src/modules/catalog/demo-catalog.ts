import type { Knex } from 'knex';
import type { Clock } from '../../platform/clock.js';
import type { NewCourse } from './course.js';
import { createCourseRepository } from './course-repository.js';
import { DEMO_LESSONS } from './demo-lessons.js';
import { createLessonRepository } from './lesson-repository.js';

type DemoCourse = Omit<NewCourse, 'status' | 'coverUrl'>;

/** A realistic programmer catalogue so a fresh install has something to browse and buy. */
export const DEMO_COURSES: DemoCourse[] = [
  {
    slug: 'typescript-in-practice',
    title: 'TypeScript 实战：从类型体操到工程落地',
    summary: '用真实项目学会泛型、类型收窄和严格模式，让重构不再提心吊胆。',
    description: '这门课面向已经会写 JavaScript、想在团队里推行 TypeScript 的开发者。\n\n我们从一个没有类型的老项目出发，逐步开启 strict 模式，讲清楚类型收窄、泛型约束、条件类型和声明文件。\n\n学完之后，你能为团队制定一套可执行的 TypeScript 规范。',
    priceFen: 19900,
    category: 'frontend',
    tags: ['typescript', 'javascript', '工程化'],
    difficulty: 3,
  },
  {
    slug: 'react-hooks-deep-dive',
    title: 'React Hooks 深入浅出',
    summary: '搞懂闭包陷阱、依赖数组和并发渲染，写出不出错的 Hooks。',
    description: '很多 Hooks 的 bug 来自对渲染模型的误解。本课从 React 的渲染与提交阶段讲起，解释 useEffect 的执行时机和依赖数组的本质。\n\n随后我们实现自己的 useFetch、useDebounce，并讨论 Suspense 与并发特性在真实业务中的用法。',
    priceFen: 14900,
    category: 'frontend',
    tags: ['react', 'hooks', 'javascript'],
    difficulty: 3,
  },
  {
    slug: 'css-layout-from-zero',
    title: '零基础 CSS 布局：Flex 与 Grid',
    summary: '一次讲透 Flexbox 和 Grid，手机和电脑上都不再“对不齐”。',
    description: '布局是前端入门最容易卡住的地方。本课用二十个常见页面片段，带你掌握 Flexbox 与 Grid 的思维方式。\n\n免费课程，适合刚入门的同学。',
    priceFen: 0,
    category: 'frontend',
    tags: ['css', '布局', '入门'],
    difficulty: 1,
  },
  {
    slug: 'nodejs-backend-essentials',
    title: 'Node.js 后端开发核心',
    summary: '事件循环、流、错误处理与优雅退出，写出能上线的 Node 服务。',
    description: '从事件循环讲到流式处理，从错误处理讲到进程的优雅退出。\n\n课程配套一个带数据库的 Express 项目，覆盖日志、配置、测试和部署。',
    priceFen: 24900,
    category: 'backend',
    tags: ['node.js', 'express', '后端'],
    difficulty: 3,
  },
  {
    slug: 'go-concurrency-patterns',
    title: 'Go 并发编程模式',
    summary: 'goroutine、channel 与 context 的正确用法，避开数据竞争。',
    description: '并发是 Go 的招牌，也是事故的高发区。本课讲解 worker pool、扇入扇出、超时取消与限流，并用 race detector 找出隐藏的数据竞争。',
    priceFen: 29900,
    category: 'backend',
    tags: ['go', '并发', '后端'],
    difficulty: 4,
  },
  {
    slug: 'mysql-performance-tuning',
    title: 'MySQL 性能优化实战',
    summary: '读懂执行计划，设计好索引，让慢查询从秒级降到毫秒级。',
    description: '通过十个真实的慢查询案例，学习 EXPLAIN、联合索引最左前缀、覆盖索引和分页优化。\n\n最后讨论事务隔离级别与锁等待的排查方法。',
    priceFen: 19900,
    category: 'backend',
    tags: ['mysql', '数据库', '性能'],
    difficulty: 4,
  },
  {
    slug: 'wechat-miniprogram-quickstart',
    title: '微信小程序开发快速上手',
    summary: '一周做出第一个小程序：页面、组件、云开发和发布审核。',
    description: '从注册小程序账号到提交审核，完整走一遍开发流程。\n\n涵盖 WXML、WXSS、组件化、网络请求、登录授权与常见审核被拒原因。',
    priceFen: 9900,
    category: 'mobile',
    tags: ['小程序', '微信', '移动端'],
    difficulty: 2,
  },
  {
    slug: 'flutter-cross-platform',
    title: 'Flutter 跨平台应用开发',
    summary: '一套代码跑在 iOS 和 Android 上，掌握 Widget 与状态管理。',
    description: '讲解 Flutter 的渲染原理、常用 Widget、路由与状态管理方案，并完成一个带登录和列表的完整应用。',
    priceFen: 25900,
    category: 'mobile',
    tags: ['flutter', 'dart', '跨平台'],
    difficulty: 3,
  },
  {
    slug: 'llm-application-development',
    title: '大模型应用开发：从提示词到 RAG',
    summary: '用大模型做出真正可用的产品：提示工程、检索增强与评测。',
    description: '本课不讲空泛概念，而是带你做一个基于自有文档的问答助手。\n\n内容包括提示词设计、向量检索、RAG 流水线、输出评测与成本控制。',
    priceFen: 39900,
    category: 'ai',
    tags: ['大模型', 'rag', 'python'],
    difficulty: 3,
  },
  {
    slug: 'machine-learning-foundations',
    title: '机器学习入门：用 Python 理解算法',
    summary: '线性回归、决策树到神经网络，每个算法都亲手实现一遍。',
    description: '面向有编程基础但数学生疏的同学。我们用 NumPy 从零实现常见算法，再对比 scikit-learn 的实现，理解模型背后的直觉。',
    priceFen: 0,
    category: 'ai',
    tags: ['机器学习', 'python', '入门'],
    difficulty: 2,
  },
  {
    slug: 'docker-kubernetes-practice',
    title: 'Docker 与 Kubernetes 实践',
    summary: '把应用装进容器，再交给 Kubernetes 自动扩缩容和滚动发布。',
    description: '从 Dockerfile 最佳实践讲起，到 Kubernetes 的 Deployment、Service、Ingress 和 HPA。\n\n课程最后完成一次零停机的滚动发布。',
    priceFen: 29900,
    category: 'devops',
    tags: ['docker', 'kubernetes', '运维'],
    difficulty: 4,
  },
  {
    slug: 'linux-command-line',
    title: 'Linux 命令行效率手册',
    summary: '用好 shell、管道和常用工具，每天节省一小时。',
    description: '覆盖文件与文本处理、进程管理、网络排查和 shell 脚本，配有大量可直接使用的命令组合。',
    priceFen: 4900,
    category: 'devops',
    tags: ['linux', 'shell', '效率'],
    difficulty: 1,
  },
  {
    slug: 'system-design-interview',
    title: '系统设计面试通关',
    summary: '短链、feed 流、秒杀系统……十个经典题目的完整思路。',
    description: '系统设计面试考的是权衡。本课用统一的框架拆解十个经典题目：需求澄清、容量估算、数据模型、扩展与容错。',
    priceFen: 34900,
    category: 'career',
    tags: ['面试', '系统设计', '架构'],
    difficulty: 5,
  },
  {
    slug: 'programmer-career-growth',
    title: '程序员职业成长指南',
    summary: '从初级到资深：技术深度、沟通表达与晋升答辩。',
    description: '结合十年一线经验，聊聊如何选择技术方向、如何写出让人信服的技术方案、如何准备晋升答辩。',
    priceFen: 6900,
    category: 'career',
    tags: ['职业发展', '晋升', '软技能'],
    difficulty: 2,
  },
];

/**
 * Creates or refreshes the demo courses, published and newest first in list order. Lessons are added
 * only to a course that has none, so re-seeding never touches lessons a creator has edited (or the
 * progress learners made in them).
 */
export async function seedDemoCatalog(db: Knex, clock: Clock): Promise<number> {
  const courses = createCourseRepository();
  const lessons = createLessonRepository();
  const start = clock.now().getTime();
  await db.transaction(async (trx) => {
    for (const [i, c] of DEMO_COURSES.entries()) {
      const now = new Date(start - i * 3600_000);
      const courseId = await courses.upsertBySlug(trx, { ...c, status: 'published', coverUrl: null }, now);
      if ((await lessons.outline(trx, courseId)).length > 0) continue;
      for (const l of DEMO_LESSONS[c.slug] ?? []) {
        await lessons.insert(trx, courseId, { title: l.title, bodyMd: l.bodyMd, mediaUrl: l.mediaUrl, durationSeconds: l.durationSeconds, isFreePreview: l.isFreePreview }, now);
      }
    }
  });
  return DEMO_COURSES.length;
}

/** First start of the embedded default: an empty catalogue gets the demo courses. */
export async function seedDemoCatalogIfEmpty(db: Knex, clock: Clock): Promise<number> {
  if ((await createCourseRepository().countAll(db)) > 0) return 0;
  return seedDemoCatalog(db, clock);
}
