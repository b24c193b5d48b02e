import { mulberry32 } from './split.js';

/*
 * A stand-in for a real shop's purchase history, shaped like one so that what wins on it has a
 * chance of winning on real data: learners care about a few subjects, a few courses in each subject
 * sell most of the copies, series are taken in order, most learners buy one to three courses and a
 * few buy dozens, ratings say "this was for me" more often than not, and a tenth of purchases are
 * whims no model should predict.
 */

export interface SyntheticItem {
  id: string;
  title: string;
  tags: string[];
  category: string;
  difficulty: number;
  summary: string;
  /** Courses of one series share an id and are taken in part order (入门 → 进阶 → 实战). */
  series: string | null;
  part: number | null;
}

export interface SyntheticInteraction {
  user: string;
  item: string;
  rating: number | null;
  /** Unix seconds. */
  timestamp: number;
}

export interface SyntheticOptions {
  seed: number;
  learners: number;
  courses: number;
  /** How many of the eight subject areas to use. */
  categories?: number;
  /** Share of purchases that ignore the learner's interests. */
  noise?: number;
  /** Share of purchases left unrated. */
  unrated?: number;
  /** Chance that a learner's next course is the next part of a series they started. */
  sequelChance?: number;
  /** The first purchase falls on or after this day … */
  start?: Date;
  /** … and the last one before this. */
  end?: Date;
}

export interface Word {
  name: string;
  tag: string;
}

export interface Area {
  code: string;
  tag: string;
  /** How much of the catalogue and of learners' attention this area gets. */
  size: number;
  topics: Word[];
  themes: Word[];
}

const w = (name: string, tag: string): Word => ({ name, tag });

/** The subject areas of a programmers' shop, with the topics and themes its course titles combine. */
export const AREAS: Area[] = [
  {
    code: 'backend', tag: '后端', size: 1.4,
    topics: [w('Go 语言', 'go'), w('Java', 'java'), w('Python', 'python'), w('Rust', 'rust'), w('Node.js', 'node.js'), w('C++', 'c++')],
    themes: [w('并发编程', '并发'), w('微服务', '微服务'), w('Web 开发', 'web'), w('数据库编程', '数据库'), w('性能调优', '性能优化'), w('分布式系统', '分布式'), w('网络编程', '网络')],
  },
  {
    code: 'frontend', tag: '前端', size: 1.3,
    topics: [w('JavaScript', 'javascript'), w('TypeScript', 'typescript'), w('React', 'react'), w('Vue', 'vue'), w('CSS', 'css'), w('微信小程序', '小程序')],
    themes: [w('组件设计', '组件'), w('性能优化', '性能优化'), w('工程化', '工程化'), w('状态管理', '状态管理'), w('动画与交互', '动画'), w('数据可视化', '可视化'), w('自动化测试', '测试')],
  },
  {
    code: 'ai', tag: '人工智能', size: 1.2,
    topics: [w('机器学习', '机器学习'), w('深度学习', '深度学习'), w('大模型', '大模型'), w('PyTorch', 'pytorch'), w('计算机视觉', 'cv'), w('自然语言处理', 'nlp')],
    themes: [w('原理', '原理'), w('模型训练', '训练'), w('应用开发', '应用开发'), w('部署与推理', '部署'), w('数学基础', '数学'), w('提示词工程', 'prompt')],
  },
  {
    code: 'devops', tag: '运维', size: 0.9,
    topics: [w('Docker', 'docker'), w('Kubernetes', 'kubernetes'), w('Linux', 'linux'), w('阿里云', '阿里云'), w('Terraform', 'terraform'), w('Nginx', 'nginx')],
    themes: [w('容器编排', '容器'), w('持续集成', 'ci/cd'), w('监控告警', '监控'), w('自动化运维', '自动化'), w('高可用架构', '高可用'), w('网络与存储', '存储')],
  },
  {
    code: 'mobile', tag: '移动开发', size: 0.8,
    topics: [w('Android', 'android'), w('iOS', 'ios'), w('Flutter', 'flutter'), w('Kotlin', 'kotlin'), w('Swift', 'swift'), w('鸿蒙', '鸿蒙')],
    themes: [w('界面开发', 'ui'), w('架构设计', '架构'), w('性能优化', '性能优化'), w('音视频', '音视频'), w('跨平台开发', '跨平台')],
  },
  {
    code: 'data', tag: '数据', size: 0.8,
    topics: [w('SQL', 'sql'), w('MySQL', 'mysql'), w('Redis', 'redis'), w('Spark', 'spark'), w('Kafka', 'kafka'), w('Pandas', 'pandas')],
    themes: [w('查询优化', '查询优化'), w('数据建模', '建模'), w('实时计算', '实时计算'), w('数据仓库', '数仓'), w('数据分析', '数据分析')],
  },
  {
    code: 'career', tag: '职业发展', size: 0.7,
    topics: [w('算法', '算法'), w('面试', '面试'), w('技术管理', '管理'), w('程序员英语', '英语'), w('技术写作', '写作'), w('开源协作', '开源')],
    themes: [w('数据结构', '数据结构'), w('刷题训练', '刷题'), w('团队协作', '协作'), w('简历与求职', '求职'), w('沟通表达', '沟通'), w('职业规划', '规划')],
  },
  {
    code: 'security', tag: '安全', size: 0.6,
    topics: [w('Web 安全', 'web安全'), w('渗透测试', '渗透测试'), w('密码学', '密码学'), w('逆向工程', '逆向'), w('云安全', '云安全')],
    themes: [w('漏洞原理', '漏洞'), w('攻防实战', '攻防'), w('代码审计', '代码审计'), w('加密协议', '加密'), w('应急响应', '应急响应')],
  },
];

const SERIES_LEVELS = [
  { word: '入门', difficulty: 1 },
  { word: '进阶', difficulty: 3 },
  { word: '实战', difficulty: 4 },
];
export const STANDALONE_TITLES: ((topic: string, theme: string) => string)[] = [
  (a, b) => `${joinWords(a, b)}精讲`,
  (a, b) => `${joinWords(a, b)}：从原理到实践`,
  (a, b) => `${joinWords(a, b)}实战指南`,
  (a, b) => `${joinWords(a, b)} 30 讲`,
  (a, b) => joinWords('深入浅出', joinWords(a, b)),
  (a, b) => `${joinWords(a, b)}核心技术`,
];
const AUDIENCE = ['零基础也能跟上', '适合刚入门的开发者', '面向有一定基础的开发者', '面向有项目经验的工程师', '面向资深工程师'];
const DAY_S = 86_400;

/** Latin and Chinese are set apart by a space ("深入浅出 Docker 容器编排"); Chinese runs straight on. */
export function joinWords(a: string, b: string): string {
  return /[A-Za-z0-9+.]$/.test(a) || /^[A-Za-z0-9]/.test(b) ? `${a} ${b}` : `${a}${b}`;
}

export function generateSynthetic(opts: SyntheticOptions): { items: SyntheticItem[]; interactions: SyntheticInteraction[] } {
  const rand = mulberry32(opts.seed);
  const areas = AREAS.slice(0, Math.min(AREAS.length, Math.max(1, opts.categories ?? AREAS.length)));
  const noise = opts.noise ?? 0.1;
  const unrated = opts.unrated ?? 0.4;
  const sequelChance = opts.sequelChance ?? 0.45;
  const start = Math.floor((opts.start ?? new Date('2024-01-01T00:00:00Z')).getTime() / 1000);
  const end = Math.floor((opts.end ?? new Date('2026-11-30T00:00:00Z')).getTime() / 1000);

  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const weighted = (ws: readonly number[]): number => {
    const total = ws.reduce((s, x) => s + x, 0);
    if (!(total > 0)) return -1;
    let r = rand() * total;
    for (let i = 0; i < ws.length; i++) {
      r -= ws[i]!;
      if (r < 0) return i;
    }
    return ws.length - 1;
  };

  // The catalogue: each area gets courses in proportion to its size, a third of them in series.
  const items: SyntheticItem[] = [];
  const popularity: number[] = [];
  const itemTopic: string[] = [];
  const itemTheme: string[] = [];
  const byArea: number[][] = areas.map(() => []);
  const sizeTotal = areas.reduce((s, a) => s + a.size, 0);
  const quotas = areas.map((a) => Math.floor((opts.courses * a.size) / sizeTotal));
  for (let k = 0; quotas.reduce((s, q) => s + q, 0) < opts.courses; k++) quotas[k % areas.length]! += 1;
  const titles = new Set<string>();
  let seriesCount = 0;
  areas.forEach((area, a) => {
    // Zipf inside the area: the r-th unit (a standalone course or a whole series) sells like 1/r.
    const units: { topic: Word; theme: Word; parts: number }[] = [];
    // Topic × theme pairs are drawn without replacement, so titles repeat only in a huge catalogue.
    let pairs: [Word, Word][] = [];
    let left = quotas[a]!;
    while (left > 0) {
      if (pairs.length === 0) pairs = area.topics.flatMap((t) => area.themes.map((th): [Word, Word] => [t, th]));
      const [topic, theme] = pairs.splice(Math.floor(rand() * pairs.length), 1)[0]!;
      const parts = left >= 2 && rand() < 0.12 ? Math.min(left, rand() < 0.6 ? 3 : 2) : 1;
      units.push({ topic, theme, parts });
      left -= parts;
    }
    const ranks = units.map((_, i) => i);
    for (let i = ranks.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [ranks[i], ranks[j]] = [ranks[j]!, ranks[i]!];
    }
    units.forEach((u, ui) => {
      const base = 1 / Math.pow(ranks[ui]! + 1, 1.1);
      const series = u.parts > 1 ? `s${++seriesCount}` : null;
      for (let p = 0; p < u.parts; p++) {
        const level = series ? SERIES_LEVELS[p]! : null;
        const difficulty = level ? level.difficulty : 1 + weighted([2, 3, 3, 2, 1]);
        let title = level ? `${joinWords(u.topic.name, u.theme.name)}${level.word}` : pick(STANDALONE_TITLES)(u.topic.name, u.theme.name);
        for (let edition = 2; titles.has(title); edition++) title = `${title.replace(/（第 \d+ 版）$/, '')}（第 ${edition} 版）`;
        titles.add(title);
        const tags = [u.topic.tag, u.theme.tag];
        if (rand() < 0.3) tags.push(area.tag);
        if (level?.word === '入门' || (!level && difficulty === 1 && rand() < 0.5)) tags.push('入门');
        const id = `c${items.length + 1}`;
        items.push({
          id,
          title,
          tags: [...new Set(tags)],
          category: area.code,
          difficulty,
          summary: `${AUDIENCE[difficulty - 1]}：${joinWords('系统讲解', joinWords(u.topic.name, u.theme.name))}，配套练习与完整项目。`,
          series,
          part: series ? p + 1 : null,
        });
        // A sequel sells to fewer people than the course before it, and only after it.
        popularity.push(base * Math.pow(0.7, p));
        itemTopic.push(u.topic.tag);
        itemTheme.push(u.theme.tag);
        byArea[a]!.push(items.length - 1);
      }
    });
  });
  const nextPart = new Map<number, number>();
  const previousPart = new Map<number, number>();
  items.forEach((it, i) => {
    const prev = items[i - 1];
    if (it.series !== null && prev && prev.series === it.series) {
      nextPart.set(i - 1, i);
      previousPart.set(i, i - 1);
    }
  });
  const areaOf = items.map((it) => areas.findIndex((a) => a.code === it.category));
  const maxPopularity = Math.max(...popularity);

  const interactions: SyntheticInteraction[] = [];
  for (let l = 0; l < opts.learners; l++) {
    const user = `u${l + 1}`;
    // Interests: one to three main areas (chosen like the areas' sizes) with Dirichlet(1) weights
    // over 90% of the attention, and a thin spread over everything else.
    const mains = 1 + weighted([50, 35, 15]);
    const chosen: number[] = [];
    while (chosen.length < Math.min(mains, areas.length)) {
      const a = weighted(areas.map((ar, i) => (chosen.includes(i) ? 0 : ar.size)));
      chosen.push(a);
    }
    const gammas = chosen.map(() => -Math.log(1 - rand()));
    const gammaTotal = gammas.reduce((s, g) => s + g, 0);
    const interest = areas.map(() => 0.1 / areas.length);
    chosen.forEach((a, i) => (interest[a]! += (0.9 * gammas[i]!) / gammaTotal));
    const maxInterest = Math.max(...interest);
    // Within each main area, a favourite topic or two (go, react…) and sometimes a favourite theme.
    const favTopics = new Set<string>();
    const favThemes = new Set<string>();
    for (const a of chosen) {
      const area = areas[a]!;
      favTopics.add(pick(area.topics).tag);
      if (rand() < 0.4) favTopics.add(pick(area.topics).tag);
      if (rand() < 0.5) favThemes.add(pick(area.themes).tag);
    }
    const affinity = (i: number) => (favTopics.has(itemTopic[i]!) ? 5 : 1) * (favThemes.has(itemTheme[i]!) ? 2 : 1);
    // Activity: log-normal, so about 60% buy one to three courses and 1–2% buy twenty or more.
    const wanted = Math.max(1, Math.min(Math.round(Math.exp(1 + 0.9 * normal())), 60, Math.floor(items.length / 2)));
    const bias = 0.4 * normal();
    const owned = new Set<number>();
    // Purchases about three weeks apart, squeezed when a heavy learner would run past `end`.
    const first = start + Math.floor(rand() * Math.max(1, end - start) * 0.85);
    const gaps = Array.from({ length: wanted }, () => 60 + -Math.log(1 - rand()) * 21 * DAY_S);
    const squeeze = Math.min(1, (end - first) / gaps.reduce((s, g) => s + g, 0));
    let t = first;
    for (let n = 0; n < wanted; n++) {
      let choice = -1;
      let whim = false;
      const pending = [...owned].map((i) => nextPart.get(i)).filter((i): i is number => i !== undefined && !owned.has(i));
      if (pending.length > 0 && rand() < sequelChance) choice = pick(pending);
      else if (rand() < noise) {
        whim = true;
        // A whim is any course one could start: not the middle of a series one has not begun.
        const open = items.map((_, i) => i).filter((i) => !owned.has(i) && !(previousPart.has(i) && !owned.has(previousPart.get(i)!)));
        if (open.length > 0) choice = pick(open);
      } else {
        for (let tries = 0; tries < 4 && choice === -1; tries++) {
          const a = weighted(interest);
          const pool = byArea[a]!;
          const ws = pool.map((i) => {
            if (owned.has(i)) return 0;
            const prev = previousPart.get(i);
            if (prev !== undefined && !owned.has(prev)) return 0;
            return popularity[i]! * affinity(i);
          });
          const k = weighted(ws);
          if (k >= 0) choice = pool[k]!;
        }
      }
      if (choice === -1) break;
      owned.add(choice);
      t += Math.max(1, Math.floor(gaps[n]! * squeeze));
      const match = (interest[areaOf[choice]!]! / maxInterest) * (affinity(choice) > 1 ? 1 : 0.6);
      let rating: number | null = null;
      if (rand() >= unrated) {
        const mean = 2.4 + 2 * match + 0.4 * (popularity[choice]! / maxPopularity) + bias - (whim ? 0.4 : 0);
        rating = Math.min(5, Math.max(1, Math.round(mean + 0.7 * normal())));
      }
      interactions.push({ user, item: items[choice]!.id, rating, timestamp: t });
    }
  }
  return { items, interactions };
}
