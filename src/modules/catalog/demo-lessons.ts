/**
 * Lesson content for the demo catalogue in demo-catalog.ts: real, short teaching material in
 * Simplified Chinese so a fresh install shows complete course pages (free previews, media, durations).
 */

export interface DemoLesson {
  /** At most 80 characters. */
  title: string;
  /** Markdown: headings, lists, tables and fenced code blocks; no raw HTML. */
  bodyMd: string;
  isFreePreview: boolean;
  mediaUrl: string | null;
  durationSeconds: number | null;
}

/** Lessons of each demo course, keyed by course slug, in study order. */
export const DEMO_LESSONS: Record<string, DemoLesson[]> = {
  'typescript-in-practice': [
    { title: '为什么要在老项目里引入 TypeScript', isFreePreview: true, mediaUrl: 'https://media.example.com/zhifu/typescript-in-practice/1.mp4', durationSeconds: 540,
      bodyMd: `很多团队对 TypeScript 的第一印象是“要多写很多类型注解”。但它真正的价值在于：**把运行时才会暴露的错误，提前到编辑器里**。

## 一个真实的线上事故

下面这段 JavaScript 在大多数情况下都能正常工作，直到某个用户没有填写昵称：

\`\`\`js
function greet(user) {
  return '你好，' + user.profile.nickname.trim();
}
\`\`\`

\`profile\` 可能为 \`null\`，\`nickname\` 可能是 \`undefined\`。在 TypeScript 中，只要类型写清楚，编译器就会直接指出问题，逼我们处理空值：

\`\`\`ts
interface User {
  profile: { nickname?: string } | null;
}

function greet(user: User): string {
  const name = user.profile?.nickname?.trim() || '同学';
  return \`你好，\${name}\`;
}
\`\`\`

## 引入 TypeScript 的收益

- **重构有底气**：改一个字段名，所有引用处都会报错提示。
- **文档即代码**：函数签名就是最准确的接口说明，而且永远不会过期。
- **编辑器更聪明**：自动补全、跳转定义、查找引用全都更准确。

## 本课路线

我们会从一个没有类型的 Express 老项目开始，先用 \`allowJs\` 让 JS 和 TS 共存，再逐个文件迁移，最后开启全部严格选项。每一步都可以单独提交、单独上线，不需要“停工两周大重构”。` },
    { title: '渐进式开启 strict 模式', isFreePreview: true, mediaUrl: null, durationSeconds: 900,
      bodyMd: `一次性打开 \`strict: true\`，老项目往往会冒出几百个错误，团队很容易因此放弃。更稳妥的做法是**分阶段开启**，每一步都让错误数量可控。

## 第一步：让 JS 与 TS 共存

\`\`\`json
{
  "compilerOptions": {
    "allowJs": true,
    "checkJs": false,
    "noEmit": true,
    "target": "ES2022",
    "module": "NodeNext"
  }
}
\`\`\`

这样就可以把文件一个个从 \`.js\` 改名为 \`.ts\`，而不必一次迁移完。

## 第二步：按收益排序开启选项

1. \`noImplicitAny\`：找出所有“隐式 any”，这是最大的类型漏洞。
2. \`strictNullChecks\`：强制处理 \`null\` 与 \`undefined\`，通常能发现最多的真实 bug。
3. \`strictFunctionTypes\`、\`strictBindCallApply\`：一般改动很少，可以顺手打开。
4. 最后加上 \`noUncheckedIndexedAccess\`，让数组下标访问也变得安全。

## 第三步：用 CI 守住成果

在 CI 中运行类型检查，并记录错误数量，要求只减不增：

\`\`\`bash
npx tsc --noEmit | grep -c "error TS" || true
\`\`\`

当某个目录的错误清零后，就把它加入严格检查的范围。这样每个迭代都在前进，业务开发也不会被阻塞。` },
    { title: '类型收窄：让编译器读懂你的 if', isFreePreview: false, mediaUrl: null, durationSeconds: 1080,
      bodyMd: `类型收窄（narrowing）是指 TypeScript 根据控制流，把一个宽泛的类型缩小为更具体的类型。掌握它，你就很少需要写 \`as\` 断言。

## 常见的收窄方式

- \`typeof\`：区分 \`string\`、\`number\` 等原始类型。
- \`instanceof\`：区分类的实例，例如 \`Date\`、\`Error\`。
- \`in\` 运算符：判断对象上是否存在某个属性。
- 字面量比较：配合**可辨识联合**使用，最为强大。

## 可辨识联合与穷尽检查

给每个成员一个共同的字面量字段（通常叫 \`kind\` 或 \`type\`），\`switch\` 就能精确收窄：

\`\`\`ts
type PayResult =
  | { kind: 'success'; orderId: string }
  | { kind: 'failed'; reason: string }
  | { kind: 'pending' };

function describe(r: PayResult): string {
  switch (r.kind) {
    case 'success':
      return \`支付成功，订单号 \${r.orderId}\`;
    case 'failed':
      return \`支付失败：\${r.reason}\`;
    case 'pending':
      return '等待支付结果';
    default: {
      const unreachable: never = r;
      return unreachable;
    }
  }
}
\`\`\`

\`default\` 分支里的 \`never\` 赋值是一种**穷尽性检查**：以后有人给联合类型新增成员却忘了处理，编译会立刻失败。

## 自定义类型守卫

当判断逻辑比较复杂时，可以把它封装成返回类型为 \`value is Course\` 的函数。函数返回 \`true\` 时，编译器就会把参数当作 \`Course\` 处理。注意守卫函数的实现要和声明一致，编译器不会替你检查它是否撒谎。` },
    { title: '泛型与泛型约束', isFreePreview: false, mediaUrl: null, durationSeconds: 1200,
      bodyMd: `泛型让函数和类型可以“把类型当参数传入”。它的核心目的只有一个：**在复用代码的同时保留类型信息**。

## 从 any 到泛型

\`\`\`ts
function first<T>(items: readonly T[]): T | undefined {
  return items[0];
}

const n = first([1, 2, 3]); // number | undefined
const s = first(['a', 'b']); // string | undefined
\`\`\`

如果参数写成 \`any[]\`，调用方拿到的就是 \`any\`，后续所有检查都失效了。

## 用 extends 添加约束

有时我们需要泛型参数“至少具备某些能力”，例如必须是某个对象的键：

\`\`\`ts
function pluck<T, K extends keyof T>(items: readonly T[], key: K): T[K][] {
  return items.map((item) => item[key]);
}

const courses = [{ slug: 'ts', priceFen: 19900 }];
const prices = pluck(courses, 'priceFen'); // number[]
// pluck(courses, 'title'); // 编译错误：'title' 不在 keyof T 中
\`\`\`

## 实践建议

- 泛型参数能被推断时，就不要手动指定类型实参。
- 一个类型参数如果在签名里只出现一次，它多半是不必要的，直接用具体类型即可。
- 复杂签名里给类型参数起有意义的名字，例如 \`TItem\`、\`TKey\`。
- 约束越精确，调用方看到的错误信息越友好。` },
    { title: '条件类型与映射类型', isFreePreview: false, mediaUrl: 'https://media.example.com/zhifu/typescript-in-practice/5.mp4', durationSeconds: 1320,
      bodyMd: `标准库里的 \`Partial\`、\`Pick\`、\`ReturnType\` 并不神秘，它们都是用映射类型和条件类型写出来的。理解原理后，你就能按业务需要定制自己的工具类型。

## 映射类型

映射类型遍历一个类型的键，生成新类型：

\`\`\`ts
type Nullable<T> = { [K in keyof T]: T[K] | null };

type DeepReadonly<T> = {
  readonly [K in keyof T]: T[K] extends object ? DeepReadonly<T[K]> : T[K];
};
\`\`\`

## 条件类型与 infer

条件类型的形式是 \`A extends B ? X : Y\`，配合 \`infer\` 可以从类型中“取出”一部分：

\`\`\`ts
type ApiResponse<T> = { code: number; data: T };
type DataOf<R> = R extends ApiResponse<infer D> ? D : never;

type CourseList = DataOf<ApiResponse<{ id: number }[]>>; // { id: number }[]
\`\`\`

## 分布式条件类型

当被检查的是裸类型参数时，条件类型会对联合类型的每个成员分别计算：

\`\`\`ts
type NonNull<T> = T extends null | undefined ? never : T;
type A = NonNull<string | null>; // string
\`\`\`

## 适度原则

类型体操很有趣，但团队代码要以**可读性**为先。一个工具类型如果需要十分钟才能看懂，就应该配上注释和使用示例，或者换成更直白的写法。` },
    { title: '为第三方库编写声明文件', isFreePreview: false, mediaUrl: null, durationSeconds: 840,
      bodyMd: `引入一个没有类型的 npm 包时，TypeScript 会报错 “Could not find a declaration file for module”。这时有三种选择。

## 方案一：安装社区类型

先看看 DefinitelyTyped 上是否已有类型包，例如 \`npm install --save-dev @types/lodash\`。很多流行库已经自带类型，升级到新版本也可能解决问题。

## 方案二：自己写声明文件

在项目里新建 \`src/types/legacy-sms.d.ts\`，只声明你**真正用到**的 API：

\`\`\`ts
declare module 'legacy-sms' {
  export interface SendOptions {
    phone: string;
    templateId: string;
    params?: Record<string, string>;
  }

  export function send(options: SendOptions): Promise<{ requestId: string }>;
}
\`\`\`

## 方案三：扩展已有类型

给 Express 的 \`Request\` 增加自定义字段，可以利用声明合并：

\`\`\`ts
declare global {
  namespace Express {
    interface Request {
      userId?: string;
    }
  }
}

export {};
\`\`\`

最后提醒：确保 \`.d.ts\` 文件在 \`tsconfig.json\` 的 \`include\` 范围内；声明文件里只写类型、不写实现；避免 \`declare module 'xxx';\` 这种“全部 any”的偷懒写法，它会悄悄关掉类型检查。` },
    { title: '为团队制定可执行的 TypeScript 规范', isFreePreview: false, mediaUrl: null, durationSeconds: 660,
      bodyMd: `写在 Wiki 上的规范很少有人看，只有**能被工具自动检查**的规范才会被真正遵守。

## 规范清单示例

| 规则 | 做法 | 原因 |
| --- | --- | --- |
| 禁止显式 any | 开启 \`no-explicit-any\` | any 会在代码中传染 |
| 外部输入用 unknown | 先标为 \`unknown\` 再校验 | 强制做类型收窄 |
| 类型导入分离 | 使用 \`import type\` | 编译产物更干净 |
| 慎用非空断言 | 评审时重点关注 \`!\` | 它会隐藏空值风险 |

## 在边界处校验数据

接口返回值、环境变量、用户输入都是“不可信”的。推荐在边界处用 zod 之类的库校验，同时得到类型：

\`\`\`ts
import { z } from 'zod';

const Course = z.object({
  slug: z.string(),
  priceFen: z.number().int().nonnegative(),
});
type Course = z.infer<typeof Course>;

export function parseCourse(input: unknown): Course {
  return Course.parse(input);
}
\`\`\`

## 落地步骤

1. 把规则写进 ESLint 配置，先以 \`warn\` 级别运行一两周。
2. 修完存量告警后切换为 \`error\`。
3. CI 中同时运行 \`tsc --noEmit\` 和 \`eslint\`，不通过不能合并。
4. 每季度复盘一次，删掉没有价值的规则，补充新发现的问题。` },
  ],
  'react-hooks-deep-dive': [
    { title: '渲染与提交：重新认识 React 的心智模型', isFreePreview: true, mediaUrl: null, durationSeconds: 600,
      bodyMd: `很多 Hooks 相关的 bug，根源都是把“渲染”想象成了“更新 DOM”。实际上 React 的一次更新分为两个阶段。

## 渲染阶段（Render）

React 调用你的组件函数，得到一棵新的元素树，并与上一次的结果做比较。这一阶段：

- 必须是**纯计算**，不能有副作用；
- 可能被执行多次，也可能被中途丢弃（并发渲染时尤其如此）；
- 开发环境下的 StrictMode 会故意调用两次，帮你发现不纯的代码。

## 提交阶段（Commit）

React 把差异应用到真实 DOM 上，然后执行 effect 回调。

\`\`\`tsx
import { useEffect } from 'react';

function Price({ fen }: { fen: number }) {
  // 渲染阶段：只做计算
  const yuan = (fen / 100).toFixed(2);

  useEffect(() => {
    // 提交之后：可以安全地操作 DOM、发请求、订阅事件
    document.title = \`¥\${yuan}\`;
  }, [yuan]);

  return <span>¥{yuan}</span>;
}
\`\`\`

## 每次渲染都是一张“快照”

每次渲染，组件函数都会重新执行一遍，其中的 props、state 和事件处理函数都是**这一次渲染专属**的值。记住这一点，下一课的闭包陷阱就很好理解了。` },
    { title: 'useState 与闭包陷阱', isFreePreview: true, mediaUrl: null, durationSeconds: 780,
      bodyMd: `先看一个经典问题：点击按钮 3 秒后弹出计数，但弹出的总是旧值。

\`\`\`tsx
import { useState } from 'react';

function Counter() {
  const [count, setCount] = useState(0);

  const showLater = () => {
    setTimeout(() => alert(\`当前计数：\${count}\`), 3000);
  };

  return (
    <>
      <button onClick={() => setCount(count + 1)}>+1</button>
      <button onClick={showLater}>3 秒后显示</button>
    </>
  );
}
\`\`\`

## 为什么会这样

\`showLater\` 是在某一次渲染中创建的，它捕获的是**那一次渲染**的 \`count\`。之后即使 \`count\` 变了，这个定时器回调里的值也不会变。这不是 React 的 bug，而是 JavaScript 闭包的正常行为。

## 三种解决思路

1. **函数式更新**：新状态依赖旧状态时，写成 \`setCount((c) => c + 1)\`，不依赖闭包里的值。
2. **用 ref 保存最新值**：ref 是跨渲染共享的可变盒子，适合定时器、事件监听等场景。
3. **把逻辑放进 effect 并正确声明依赖**：让 React 在值变化时重新建立订阅。

用 ref 时，在 effect 中执行 \`countRef.current = count\` 同步最新值，定时器里读取 \`countRef.current\` 就总能拿到最新计数。遇到“值不更新”的问题，先问自己：这个函数是在哪一次渲染中创建的？` },
    { title: 'useEffect 的执行时机与依赖数组', isFreePreview: false, mediaUrl: 'https://media.example.com/zhifu/react-hooks-deep-dive/3.mp4', durationSeconds: 1140,
      bodyMd: `\`useEffect\` 的本质是：**让组件与某个外部系统保持同步**。依赖数组不是“性能优化开关”，而是告诉 React“这段同步逻辑用到了哪些值”。

## 执行时机

- 组件提交到屏幕之后执行 effect，通常在浏览器绘制之后。
- 依赖变化时，先执行上一次 effect 返回的**清理函数**，再执行新的 effect。
- 组件卸载时执行最后一次清理。

## 正确的订阅写法

\`\`\`tsx
import { useEffect, useState } from 'react';

export function useOnlineStatus(): boolean {
  const [online, setOnline] = useState(() => navigator.onLine);

  useEffect(() => {
    const update = () => setOnline(navigator.onLine);
    window.addEventListener('online', update);
    window.addEventListener('offline', update);
    return () => {
      window.removeEventListener('online', update);
      window.removeEventListener('offline', update);
    };
  }, []);

  return online;
}
\`\`\`

## 依赖数组的常见误区

1. **故意漏写依赖**来“避免重复执行”：会读到旧值，应该重新设计逻辑。
2. **对象和函数作为依赖**：每次渲染都是新引用，effect 会反复执行。可以把它们移到 effect 内部，或用 \`useMemo\`、\`useCallback\` 稳定引用。
3. **用 effect 计算派生状态**：能在渲染时直接算出来的值，就不需要 effect 和额外的 state。

建议开启 \`eslint-plugin-react-hooks\` 的 \`exhaustive-deps\` 规则，让工具替你检查依赖。` },
    { title: '实现一个可靠的 useFetch', isFreePreview: false, mediaUrl: null, durationSeconds: 1260,
      bodyMd: `网上很多 \`useFetch\` 示例都有竞态问题：快速切换参数时，先发出的请求可能后返回，覆盖掉正确的结果。我们来写一个可靠的版本，要求参数变化时自动重新请求、丢弃并取消过期请求、区分加载中/成功/失败三种状态。

\`\`\`tsx
import { useEffect, useState } from 'react';

type FetchState<T> =
  | { status: 'loading' }
  | { status: 'success'; data: T }
  | { status: 'error'; error: Error };

export function useFetch<T>(url: string): FetchState<T> {
  const [state, setState] = useState<FetchState<T>>({ status: 'loading' });

  useEffect(() => {
    const controller = new AbortController();
    setState({ status: 'loading' });

    fetch(url, { signal: controller.signal })
      .then((res) => {
        if (!res.ok) throw new Error(\`HTTP \${res.status}\`);
        return res.json() as Promise<T>;
      })
      .then((data) => {
        if (!controller.signal.aborted) setState({ status: 'success', data });
      })
      .catch((err: unknown) => {
        if (controller.signal.aborted) return;
        setState({ status: 'error', error: err instanceof Error ? err : new Error(String(err)) });
      });

    return () => controller.abort();
  }, [url]);

  return state;
}
\`\`\`

## 关键点

1. \`AbortController\` 在清理函数中取消旧请求，竞态问题自然消失。
2. 被取消的请求会进入 \`catch\`，判断 \`aborted\` 后直接忽略即可。
3. 用可辨识联合表示状态，调用方用 \`switch\` 处理时不会漏掉分支。

真实项目中如果还需要缓存、重试和请求去重，建议直接使用 TanStack Query 或 SWR，但理解这个实现能帮你更好地使用它们。` },
    { title: 'useDebounce 与 useRef 的妙用', isFreePreview: false, mediaUrl: null, durationSeconds: 720,
      bodyMd: `搜索框每输入一个字就发请求，既浪费流量，又可能触发后端限流。防抖（debounce）的思路是：**值停止变化一段时间后，才真正使用它**。

## 实现 useDebounce

\`\`\`tsx
import { useEffect, useState } from 'react';

export function useDebounce<T>(value: T, delayMs = 300): T {
  const [debounced, setDebounced] = useState(value);

  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);

  return debounced;
}
\`\`\`

每次 \`value\` 变化，上一个定时器都会在清理函数里被清除，只有最后一次变化后的定时器能执行完。和上一课组合使用时，输入框绑定 \`keyword\`，再把 \`useDebounce(keyword, 400)\` 的结果拼进 \`useFetch\` 的 URL，用户连续输入时只会在停顿后发出一次请求。

## useRef 的三种典型用途

- **访问 DOM**：例如让输入框自动聚焦。
- **保存不参与渲染的可变值**：定时器 id、上一次的 props。
- **保存最新回调**：在长期存在的订阅里调用最新的函数，而不必重新订阅。

记住：修改 \`ref.current\` 不会触发重新渲染；界面需要随之变化时，应该用 state。` },
    { title: 'Suspense 与并发特性实战', isFreePreview: false, mediaUrl: null, durationSeconds: 960,
      bodyMd: `React 18 引入的并发渲染，让 React 可以**中断低优先级的渲染**，优先响应用户输入。业务中最常用的是 \`useTransition\`、\`useDeferredValue\` 和 \`Suspense\`。

## useTransition：标记非紧急更新

\`\`\`tsx
import { useState, useTransition } from 'react';

function CourseTabs() {
  const [tab, setTab] = useState('all');
  const [isPending, startTransition] = useTransition();

  const select = (next: string) => {
    startTransition(() => setTab(next));
  };

  return (
    <div style={{ opacity: isPending ? 0.6 : 1 }}>
      <button onClick={() => select('all')}>全部</button>
      <button onClick={() => select('frontend')}>前端</button>
      <CourseList category={tab} />
    </div>
  );
}
\`\`\`

切换标签时，即使 \`CourseList\` 渲染很慢，界面也不会卡住，按钮仍然可以点击。

## useDeferredValue：延后昂贵的渲染

把输入框的值分成“立即显示的值”和“延后使用的值”：输入始终流畅，结果列表稍后跟上。

## Suspense：声明式的加载状态

把可能“还没准备好”的组件包在 \`Suspense\` 里，并通过 \`fallback\` 指定骨架屏。它可以配合 \`React.lazy\` 做代码分割，也可以配合支持 Suspense 的数据框架加载数据，让加载状态不再散落在每个组件里。

## 使用建议

- 并发特性解决的是**渲染慢**的问题，不是网络慢的问题。
- 先用 React DevTools 的 Profiler 找到真正的瓶颈，再决定是否使用。` },
  ],
  'css-layout-from-zero': [
    { title: '盒模型与文档流：布局的地基', isFreePreview: true, mediaUrl: null, durationSeconds: 480,
      bodyMd: `学 Flex 和 Grid 之前，先要搞清楚两件事：每个元素占多大地方（盒模型），以及元素默认怎么排列（文档流）。

## 盒模型

每个元素都是一个矩形盒子，从内到外依次是：**内容 → 内边距（padding）→ 边框（border）→ 外边距（margin）**。默认情况下 \`width\` 只表示内容宽度，加上 padding 和 border 后元素会比设定的更宽。几乎所有项目都会在开头加上这段重置：

\`\`\`css
*,
*::before,
*::after {
  box-sizing: border-box;
}
\`\`\`

这样 \`width\` 就包含了 padding 和 border，计算尺寸直观得多。

## 文档流

- **块级元素**（\`div\`、\`p\`、\`h1\`）独占一行，宽度默认撑满父元素。
- **行内元素**（\`span\`、\`a\`、\`strong\`）在一行内从左到右排列，设置宽高无效。
- \`display: inline-block\` 兼具两者：在一行内排列，又能设置宽高。

## 动手练习

打开浏览器开发者工具，选中任意元素，在“计算样式”面板中观察它的盒模型示意图。试着修改 padding 和 margin，看看页面如何变化。` },
    { title: 'Flexbox：主轴与交叉轴', isFreePreview: true, mediaUrl: 'https://media.example.com/zhifu/css-layout-from-zero/2.mp4', durationSeconds: 720,
      bodyMd: `Flexbox 是**一维**布局：一次只关心一个方向上的排列。理解了“主轴”和“交叉轴”，Flex 的所有属性就都串起来了。

## 两根轴

主轴由 \`flex-direction\` 决定，默认是水平方向（\`row\`）；交叉轴与主轴垂直。\`justify-content\` 控制子元素在**主轴**上的分布，\`align-items\` 控制它们在**交叉轴**上的对齐。

\`\`\`css
.toolbar {
  display: flex;
  justify-content: space-between; /* 主轴：两端对齐 */
  align-items: center;            /* 交叉轴：垂直居中 */
  gap: 12px;
}

.sidebar {
  flex: 0 0 240px; /* 不放大、不缩小、固定 240px */
}

.content {
  flex: 1;      /* 占满剩余空间 */
  min-width: 0; /* 防止长内容撑破布局 */
}
\`\`\`

## 子元素的伸缩

\`flex\` 是 \`flex-grow\`、\`flex-shrink\`、\`flex-basis\` 三个属性的简写。\`flex: 1\` 表示“按比例分配剩余空间”，是最常用的写法。

## 常见疑问

把 \`flex-direction\` 改成 \`column\` 后，主轴就变成了垂直方向，此时 \`justify-content\` 控制的是上下分布。很多“为什么不居中”的问题，都是因为搞反了轴。` },
    { title: 'Flex 实战：居中、导航栏与底部固定', isFreePreview: false, mediaUrl: null, durationSeconds: 900,
      bodyMd: `这一课用 Flexbox 完成三个最常见的页面片段，代码都可以直接复制使用。

\`\`\`css
/* 1. 水平垂直居中 */
.center {
  display: flex;
  justify-content: center;
  align-items: center;
  min-height: 100vh;
}

/* 2. 左侧 Logo、右侧菜单 */
.nav {
  display: flex;
  align-items: center;
  height: 56px;
}
.nav .logo {
  margin-right: auto; /* 把后面的元素推到右边 */
}

/* 3. 内容不足时页脚也贴在底部 */
body {
  display: flex;
  flex-direction: column;
  min-height: 100vh;
  margin: 0;
}
main {
  flex: 1;
}
\`\`\`

## 要点解读

- 在 Flex 容器里，\`margin: auto\` 会吃掉剩余空间，这是实现“一个靠左、其余靠右”最简洁的写法。
- 居中方案同时适用于文字、图片和弹窗，不需要知道子元素的具体尺寸。
- 页脚方案中，\`main\` 占满剩余高度，页脚自然被推到底部；内容很多时，页脚正常跟在内容后面。

## 练习

把这三个片段组合成一个完整页面，并在手机尺寸下检查效果。如果导航菜单在窄屏下放不下，试试给容器加上 \`flex-wrap: wrap\`。` },
    { title: 'Grid：真正的二维布局', isFreePreview: false, mediaUrl: null, durationSeconds: 1020,
      bodyMd: `Flexbox 擅长沿一个方向排列，而 Grid 可以**同时控制行和列**。后台管理页、卡片墙、杂志式排版，用 Grid 都会简单很多。

\`\`\`css
.layout {
  display: grid;
  grid-template-columns: 240px 1fr;
  grid-template-rows: 56px 1fr 40px;
  grid-template-areas:
    'header header'
    'sidebar main'
    'footer footer';
  min-height: 100vh;
}
.layout > header { grid-area: header; }
.layout > aside  { grid-area: sidebar; }
.layout > main   { grid-area: main; }
.layout > footer { grid-area: footer; }
\`\`\`

\`fr\` 表示“剩余空间的份数”，\`1fr\` 就是占满剩下的宽度。\`grid-template-areas\` 像画图一样描述布局，一眼就能看懂。

## 常用属性速查

| 属性 | 作用 |
| --- | --- |
| \`grid-template-columns\` | 定义列的数量和宽度 |
| \`gap\` | 行列之间的间距 |
| \`grid-column: 1 / 3\` | 横跨第 1 到第 3 条网格线 |
| \`place-items: center\` | 单元格内容水平垂直居中 |

## Flex 还是 Grid

内容决定布局（如一排数量不定的标签）时用 Flex；布局决定内容（如固定的页面框架）时用 Grid。页面框架用 Grid、组件内部用 Flex，是最常见的组合。` },
    { title: '响应式布局：媒体查询与 auto-fit', isFreePreview: false, mediaUrl: null, durationSeconds: 840,
      bodyMd: `同一个页面要在手机、平板和电脑上都好看，靠的是响应式布局。推荐**移动优先**：先写手机上的样式，再用 \`min-width\` 媒体查询逐步增强。

\`\`\`css
.course-grid {
  display: grid;
  grid-template-columns: 1fr;
  gap: 16px;
}

@media (min-width: 768px) {
  .course-grid { grid-template-columns: repeat(2, 1fr); }
}

/* 不写媒体查询的自适应卡片 */
.cards {
  display: grid;
  grid-template-columns: repeat(auto-fit, minmax(220px, 1fr));
  gap: 16px;
}
\`\`\`

\`auto-fit\` 配合 \`minmax\` 时，浏览器会自动计算一行能放下几张至少 220px 宽的卡片，多余空间平均分配。这一行代码能替代好几个断点。

## 别忘了 viewport

页面头部要声明 viewport（\`width=device-width, initial-scale=1\`），否则手机浏览器会按桌面宽度渲染页面，媒体查询也就失效了。

## 检查清单

1. 在开发者工具中切换多种设备尺寸预览。
2. 图片加上 \`max-width: 100%\`，防止溢出容器。
3. 按钮等可点击区域在手机上至少 44px 高。` },
  ],
  'nodejs-backend-essentials': [
    { title: '事件循环到底在循环什么', isFreePreview: true, mediaUrl: 'https://media.example.com/zhifu/nodejs-backend-essentials/1.mp4', durationSeconds: 840,
      bodyMd: `Node.js 用一个主线程执行所有 JavaScript，却能同时服务成千上万个连接。秘密在于**事件循环**：耗时的 I/O 交给操作系统或线程池，完成后再把回调放回队列。

\`\`\`js
const order = [];
setTimeout(() => order.push('timeout'), 0);
setImmediate(() => order.push('immediate'));
Promise.resolve().then(() => order.push('promise'));
process.nextTick(() => order.push('nextTick'));
order.push('sync');
setTimeout(() => process.stdout.write(order.join(' → ') + '\\n'), 20);
\`\`\`

同步代码最先执行，所以 \`sync\` 总是排在第一；接着清空 \`nextTick\` 队列和 Promise 微任务（在 CommonJS 中 \`nextTick\` 先于 \`promise\`，ES 模块里则相反）；之后才进入事件循环。\`timeout\` 与 \`immediate\` 在主模块中的先后并不固定。

## 事件循环的主要阶段

1. **timers**：执行到期的 \`setTimeout\`、\`setInterval\` 回调。
2. **poll**：获取新的 I/O 事件并执行回调，大部分业务代码在这里运行。
3. **check**：执行 \`setImmediate\` 回调。
4. **close callbacks**：例如 socket 的 \`close\` 事件。

## 最重要的结论

**不要阻塞事件循环。** 一个耗时 200ms 的同步计算（解析大 JSON、同步加密、复杂正则），会让这 200ms 内的所有请求都在排队。CPU 密集的任务应该拆分、放到 \`worker_threads\`，或者交给专门的服务。` },
    { title: '异步错误处理：别让进程悄悄崩溃', isFreePreview: false, mediaUrl: null, durationSeconds: 960,
      bodyMd: `在 Node 服务里，一个没被捕获的异常或被拒绝的 Promise，就可能让整个进程退出。错误要分两类处理：

- **可预期的操作错误**：参数不合法、记录不存在、下游超时。捕获后返回合适的 HTTP 状态码。
- **程序员错误**：读取 \`undefined\` 的属性等逻辑 bug。记录日志、报警，然后让进程重启，而不是带病运行。

## 自定义错误与统一处理

\`\`\`ts
import type { ErrorRequestHandler } from 'express';

export class AppError extends Error {
  constructor(message: string, readonly status: number, readonly code: string) {
    super(message);
    this.name = 'AppError';
  }
}

export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  if (err instanceof AppError) {
    res.status(err.status).json({ code: err.code, message: err.message });
    return;
  }
  req.log.error({ err }, 'unhandled error'); // req.log 由 pino-http 注入
  res.status(500).json({ code: 'INTERNAL', message: '服务器开小差了' });
};
\`\`\`

Express 5 会自动把 async 路由中抛出的错误交给错误处理中间件，不必再到处写 \`try/catch\` 加 \`next(err)\`。

## 最后一道防线

监听 \`unhandledRejection\` 和 \`uncaughtException\`，记录日志后**主动退出**，交给 systemd、PM2 或 Kubernetes 重启。` },
    { title: '流与背压：处理大文件不爆内存', isFreePreview: false, mediaUrl: null, durationSeconds: 1080,
      bodyMd: `用 \`fs.readFile\` 读取一个 2GB 的日志文件，进程内存会瞬间飙升。流（Stream）把数据切成小块，边读边处理，内存占用基本恒定。Node 中有四种流：Readable、Writable、Duplex 和 Transform。

## 用 pipeline 串联

\`\`\`ts
import { createReadStream, createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

// 压缩大文件
await pipeline(createReadStream('access.log'), createGzip(), createWriteStream('access.log.gz'));

// 逐行统计 500 错误
let errors = 0;
for await (const line of createInterface({ input: createReadStream('access.log') })) {
  if (line.includes(' 500 ')) errors += 1;
}
\`\`\`

\`pipeline\` 会在任意一环出错时销毁所有流并抛出错误，比手动 \`.pipe()\` 安全得多。

## 什么是背压

当写入端处理不过来时，\`write()\` 返回 \`false\`，意思是“先别给我了”。\`pipeline\` 会自动暂停读取，等待 \`drain\` 事件后再继续，这就是**背压**。自己手写循环写入时，一定要尊重这个返回值，否则数据会堆积在内存里。` },
    { title: 'Express 项目结构与中间件', isFreePreview: false, mediaUrl: null, durationSeconds: 900,
      bodyMd: `项目一大，把所有路由写在一个文件里就会失控。推荐**按业务模块**组织代码：路由层只负责解析请求和返回响应，业务规则放在 service 层，SQL 放在 repository 层。这样 service 可以脱离 HTTP 单独测试。

## 中间件的顺序就是逻辑

\`\`\`ts
import express from 'express';
import helmet from 'helmet';

export function createApp(deps: AppDeps) {
  const app = express();
  app.use(helmet()); // 1. 安全响应头
  app.use(express.json({ limit: '1mb' })); // 2. 解析请求体
  app.use(requestLogger); // 3. 请求日志
  app.use('/api/courses', courseRoutes(deps)); // 4. 业务路由
  app.use(notFoundHandler); // 5. 404
  app.use(errorHandler); // 6. 错误处理放在最后
  return app;
}
\`\`\`

## 依赖注入，而不是全局单例

把数据库连接、配置、时钟等依赖通过参数传入 \`createApp\`，测试时就能替换成内存数据库或假时钟，无需任何 mock 魔法。

## 常见坑

- 错误处理中间件必须有四个参数，Express 靠参数个数识别它。
- 在 \`express.json()\` 之前注册的路由读不到 \`req.body\`。
- 静态文件中间件应放在需要登录的路由之前，避免每张图片都查一次会话。` },
    { title: '配置、日志与测试', isFreePreview: false, mediaUrl: null, durationSeconds: 1020,
      bodyMd: `能上线的服务，必须回答三个问题：配置从哪来？出了问题怎么查？改了代码怎么知道没改坏？

## 配置：启动时一次性校验

\`\`\`ts
import { z } from 'zod';

const Env = z.object({
  PORT: z.coerce.number().int().default(3000),
  DATABASE_URL: z.string().url(),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});

export const config = Env.parse(process.env);
\`\`\`

配置缺失时进程直接启动失败，远好过运行到一半才报错。

## 日志：结构化输出

用 pino 输出 JSON 日志，例如 \`logger.info({ orderId }, 'order paid')\`，方便日志平台检索。每条日志带上请求 id 以串起完整链路；不要记录密码、token、手机号等敏感信息。

## 测试：以接口测试为主

\`\`\`ts
import request from 'supertest';
import { expect, it } from 'vitest';

it('GET /api/courses 返回已发布课程', async () => {
  const res = await request(app).get('/api/courses').expect(200);
  expect(res.body.items.length).toBeGreaterThan(0);
});
\`\`\`

用 supertest 直接对 Express 应用发请求，一次覆盖路由、参数校验和数据库访问，性价比最高。` },
    { title: '优雅退出与部署', isFreePreview: false, mediaUrl: null, durationSeconds: 780,
      bodyMd: `每次发布都会重启进程。如果直接杀掉，进行中的请求会失败，事务可能半途而废。**优雅退出**就是：收到信号后不再接新请求，处理完手头的工作再退出。

\`\`\`ts
const server = app.listen(config.PORT);

function shutdown(signal: string) {
  logger.info({ signal }, 'shutting down');
  setTimeout(() => process.exit(1), 10_000).unref(); // 超时兜底
  server.close(async () => {
    await db.destroy(); // 关闭连接池
    process.exit(0);
  });
}

process.once('SIGTERM', () => shutdown('SIGTERM'));
process.once('SIGINT', () => shutdown('SIGINT'));
\`\`\`

\`server.close()\` 停止接受新连接，等待已有请求结束；超时兜底避免某个长连接让进程永远不退出。

## 部署检查清单

- 设置 \`NODE_ENV=production\`，只安装生产依赖。
- 提供 \`/healthz\` 健康检查接口，供负载均衡和 Kubernetes 探测。
- 用 systemd、PM2 或容器编排负责重启，不要在代码里自己“守护”自己。
- 发布时先停止向旧实例转发流量，再发送 \`SIGTERM\`。` },
  ],
  'go-concurrency-patterns': [
    { title: 'goroutine 与 channel：并发的两块基石', isFreePreview: true, mediaUrl: null, durationSeconds: 720,
      bodyMd: `在 Go 里启动并发任务只需要一个 \`go\` 关键字，但**启动容易，收场难**。第一课先建立正确的基本习惯。

\`\`\`go
func main() {
	results := make(chan int)
	var wg sync.WaitGroup
	for i := 1; i <= 3; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results <- i * i // Go 1.22 起每次迭代的 i 都是新变量
		}()
	}
	go func() {
		wg.Wait()
		close(results) // 所有发送方结束后再关闭
	}()
	for r := range results {
		fmt.Println(r)
	}
}
\`\`\`

## channel 的基本语义

- **无缓冲 channel**：发送方阻塞到接收方就绪，天然是一次同步。
- **有缓冲 channel**：缓冲区满时发送才阻塞，适合削峰。
- **关闭 channel** 表示“不会再有数据了”，只应由发送方关闭；\`range\` 会在关闭后自动结束。

## 三条铁律

1. 每启动一个 goroutine，都要想清楚它在什么条件下退出。
2. 不要向已关闭的 channel 发送数据，否则会 panic。
3. 共享变量要么加锁，要么通过 channel 传递所有权，二选一。` },
    { title: '用 race detector 找出数据竞争', isFreePreview: true, mediaUrl: null, durationSeconds: 600,
      bodyMd: `数据竞争是指：两个 goroutine 同时访问同一个变量，至少一个是写操作，并且没有同步。它的可怕之处在于**大多数时候看起来都正常**，一到高峰期就出现诡异的数据错误。

\`\`\`go
var wg sync.WaitGroup
count := 0
for range 1000 {
	wg.Add(1)
	go func() {
		defer wg.Done()
		count++ // 数据竞争！结果经常小于 1000
	}()
}
wg.Wait()
\`\`\`

## 用 -race 运行

\`\`\`bash
go test -race ./...
go run -race main.go
\`\`\`

检测器会打印冲突的两次访问分别发生在哪个 goroutine、哪一行代码，定位非常准确。

## 修复方式

- 用 \`sync.Mutex\` 保护临界区：\`mu.Lock()\`、\`count++\`、\`mu.Unlock()\`。
- 简单计数用 \`sync/atomic\`：声明 \`var count atomic.Int64\`，再调用 \`count.Add(1)\`。
- 或者改为每个 goroutine 把结果发到 channel，由一个 goroutine 汇总。

## 团队实践

CI 中的测试一律加上 \`-race\`。检测器只能发现**实际执行到**的竞争，所以测试要覆盖并发路径；开启后程序会慢数倍，一般不在生产环境使用。` },
    { title: 'worker pool：控制并发数量', isFreePreview: false, mediaUrl: 'https://media.example.com/zhifu/go-concurrency-patterns/3.mp4', durationSeconds: 1140,
      bodyMd: `给 10 万个用户发通知，如果每个用户开一个 goroutine，瞬间就会打垮下游服务。worker pool 用**固定数量的 goroutine** 消费任务队列，把并发控制在可接受的范围内。它就像银行柜台：窗口数量固定，客户在队列里排队，哪个窗口空了就叫下一位。

\`\`\`go
func runPool(jobs []Job, workers int, send func(Job) error) []error {
	jobCh := make(chan Job)
	errCh := make(chan error, len(jobs))

	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for job := range jobCh {
				errCh <- send(job)
			}
		}()
	}

	for _, j := range jobs {
		jobCh <- j
	}
	close(jobCh) // 生产者发完任务后关闭，worker 的 range 随之结束
	wg.Wait()
	close(errCh)

	var errs []error
	for err := range errCh {
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}
\`\`\`

## 设计要点

1. **谁关闭 channel**：发送方关闭 \`jobCh\`；所有 worker 退出后，再关闭结果 channel。
2. **worker 数量**：I/O 密集型任务可以多一些，CPU 密集型通常取 \`runtime.NumCPU()\`。
3. **错误不要吞掉**：把错误作为结果返回，由调用方决定重试还是记录。
4. **可以取消**：后面讲 context 时，我们会让整个池子随请求一起停止，避免做无用功。` },
    { title: '扇出与扇入：搭建并发流水线', isFreePreview: false, mediaUrl: null, durationSeconds: 960,
      bodyMd: `**扇出（fan-out）** 是让多个 goroutine 从同一个 channel 读取任务并行处理；**扇入（fan-in）** 是把多个 channel 的结果合并成一个。两者组合，就能搭出一条并发流水线。

\`\`\`go
func square(in <-chan int) <-chan int {
	out := make(chan int)
	go func() {
		defer close(out)
		for n := range in {
			out <- n * n
		}
	}()
	return out
}

func merge(chans ...<-chan int) <-chan int {
	out := make(chan int)
	var wg sync.WaitGroup
	for _, c := range chans {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for v := range c {
				out <- v
			}
		}()
	}
	go func() {
		wg.Wait()
		close(out)
	}()
	return out
}
\`\`\`

使用时，\`merge(square(src), square(src), square(src))\` 就是三个 worker 扇出、再扇入的结果。每个阶段接收只读 channel、返回只读 channel，并负责关闭自己的输出。这种约定让每个阶段都可以单独测试，也可以像积木一样自由组合。

## 注意

- 扇入后结果的**顺序不再保证**，需要顺序时要带上序号再排序。
- 如果下游提前退出，上游 goroutine 会永远阻塞在发送上，造成泄漏。下一课用 \`context\` 解决。` },
    { title: 'context：超时与取消的正确姿势', isFreePreview: false, mediaUrl: null, durationSeconds: 1200,
      bodyMd: `\`context.Context\` 是 Go 中传递**取消信号、截止时间和请求级数据**的标准方式。客户端断开后，这个请求派生出的数据库查询和下游调用都应该尽快停止。

## 基本规则

1. \`ctx\` 作为函数的第一个参数传递，不要存进结构体字段。
2. 调用 \`WithTimeout\`、\`WithCancel\` 后一定要 \`defer cancel()\`，否则会泄漏资源。
3. 阻塞操作都要能响应 \`ctx.Done()\`。

\`\`\`go
func fetchProfile(ctx context.Context, id int64) (*Profile, error) {
	ctx, cancel := context.WithTimeout(ctx, 800*time.Millisecond)
	defer cancel()

	url := fmt.Sprintf("https://api.example.com/users/%d", id)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch profile %d: %w", id, err)
	}
	defer resp.Body.Close()

	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch profile %d: status %d", id, resp.StatusCode)
	}
	var p Profile
	if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
		return nil, err
	}
	return &p, nil
}
\`\`\`

## 让 goroutine 响应取消

在流水线的每次发送处使用 \`select\`，同时监听 \`ctx.Done()\`：下游不再接收时，上游能立刻返回 \`ctx.Err()\` 并退出，上一课提到的 goroutine 泄漏也就不存在了。` },
    { title: '限流与 errgroup', isFreePreview: false, mediaUrl: null, durationSeconds: 900,
      bodyMd: `并发任务还有两个常见需求：**任意一个失败就整体取消**，以及**控制单位时间内的请求数**。官方扩展库 \`golang.org/x/sync/errgroup\` 与 \`golang.org/x/time/rate\` 分别解决这两个问题。

\`\`\`go
func loadDashboard(ctx context.Context, uid int64) (*Dashboard, error) {
	g, ctx := errgroup.WithContext(ctx)
	var d Dashboard
	g.Go(func() (err error) {
		d.Orders, err = loadOrders(ctx, uid)
		return err
	})
	g.Go(func() (err error) {
		d.Courses, err = loadCourses(ctx, uid)
		return err
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return &d, nil
}
\`\`\`

任意一个函数返回错误，\`ctx\` 就会被取消，其他任务可以尽早停止；\`g.SetLimit(n)\` 还能限制同时运行的 goroutine 数量。注意闭包里写入的是结构体的不同字段，互不冲突，所以这里不需要加锁。限速则使用令牌桶：\`rate.NewLimiter(50, 10)\` 表示每秒 50 个、允许突发 10 个，每次请求前调用 \`limiter.Wait(ctx)\`。

## 选择建议

| 需求 | 工具 |
| --- | --- |
| 等待一组任务完成 | \`sync.WaitGroup\` |
| 任一失败即取消 | \`errgroup.WithContext\` |
| 限制并发数 | \`g.SetLimit\` 或 worker pool |
| 限制速率 | \`rate.Limiter\` |` },
  ],
  'mysql-performance-tuning': [
    { title: '读懂 EXPLAIN 执行计划', isFreePreview: true, mediaUrl: 'https://media.example.com/zhifu/mysql-performance-tuning/1.mp4', durationSeconds: 1080,
      bodyMd: `优化慢查询的第一步永远是：**看执行计划，而不是猜**。

\`\`\`sql
EXPLAIN
SELECT id, title, price_fen
FROM courses
WHERE category = 'backend' AND status = 'published'
ORDER BY created_at DESC
LIMIT 20;
\`\`\`

## 重点关注的列

| 列 | 含义 | 危险信号 |
| --- | --- | --- |
| \`type\` | 访问类型 | \`ALL\`（全表扫描） |
| \`key\` | 实际使用的索引 | \`NULL\` |
| \`rows\` | 预估扫描行数 | 远大于返回行数 |
| \`Extra\` | 额外信息 | \`Using filesort\`、\`Using temporary\` |

\`type\` 从好到差大致是：\`const\` > \`eq_ref\` > \`ref\` > \`range\` > \`index\` > \`ALL\`。

MySQL 8.0.18 起还支持 \`EXPLAIN ANALYZE\`，它会真正执行查询，给出每一步的实际行数和耗时，比预估值更可靠。

## 养成习惯

1. 开启慢查询日志，设置 \`long_query_time = 0.5\`，定期用 \`pt-query-digest\` 汇总分析。
2. 每条新 SQL 上线前都 EXPLAIN 一遍。
3. 对比优化前后的扫描行数和实际耗时，用数据说话。` },
    { title: '联合索引与最左前缀原则', isFreePreview: false, mediaUrl: null, durationSeconds: 1200,
      bodyMd: `联合索引 \`(a, b, c)\` 在 B+ 树中按**先 a、再 b、再 c** 的顺序排序。就像电话簿先按姓、再按名排序，只知道“名”是没法快速查找的。

假设有索引 \`idx_cat_status_created (category, status, created_at)\`：

\`\`\`sql
-- 用上全部三列：等值 + 等值 + 排序，无需 filesort
SELECT id, title FROM courses
WHERE category = 'backend' AND status = 'published'
ORDER BY created_at DESC LIMIT 20;

-- 只用上第一列
SELECT id, title FROM courses WHERE category = 'backend';

-- 跳过了第一列，无法用这个索引定位
SELECT id, title FROM courses WHERE status = 'published';
\`\`\`

## 设计联合索引的顺序

1. **等值条件的列放前面**，范围条件的列放后面。
2. 需要排序的列紧跟在等值列之后，可以消除 \`filesort\`。
3. 满足以上两点时，区分度高的列靠前。

## 常见的索引失效

- 对索引列使用函数：\`WHERE DATE(created_at) = '2024-06-01'\`，应改写为范围查询。
- 隐式类型转换：字符串列与数字比较，如 \`WHERE phone = 13800000000\`。
- 以通配符开头的模糊查询：\`LIKE '%关键字'\`。` },
    { title: '覆盖索引与回表', isFreePreview: false, mediaUrl: null, durationSeconds: 900,
      bodyMd: `InnoDB 的二级索引叶子节点里存的不是整行数据，而是**索引列 + 主键**。通过二级索引找到主键后，再回到聚簇索引取整行，这个过程叫**回表**。命中 1 万行就可能产生 1 万次随机 I/O，这也是优化器有时宁愿全表扫描的原因。

## 覆盖索引：查询的列都在索引里

\`\`\`sql
-- 索引：idx_user_status (user_id, status)
-- 覆盖索引，Extra 显示 Using index，无需回表
SELECT id, user_id, status FROM orders WHERE user_id = 42;

-- 需要回表获取 amount_fen
SELECT user_id, status, amount_fen FROM orders WHERE user_id = 42;

-- 若第二条查询非常高频，可以扩展索引
ALTER TABLE orders
  DROP INDEX idx_user_status,
  ADD INDEX idx_user_status_amount (user_id, status, amount_fen);
\`\`\`

## 取舍

- 索引越多、越宽，写入越慢，占用空间越大。
- 只为**高频、核心**的查询设计覆盖索引。
- 坚决避免 \`SELECT *\`，只查需要的列，才有机会用上覆盖索引。

小练习：用 \`EXPLAIN\` 对比前两条查询的 \`Extra\` 列，再用 \`SHOW INDEX FROM orders\` 查看各索引的基数。` },
    { title: '深分页优化：告别 LIMIT 100000, 20', isFreePreview: false, mediaUrl: null, durationSeconds: 840,
      bodyMd: `\`LIMIT 100000, 20\` 看起来只取 20 行，实际上 MySQL 要先扫描并丢弃前 10 万行，页码越大越慢。

## 方案一：游标分页（推荐）

记住上一页最后一条记录的排序值，下一页从它之后开始：

\`\`\`sql
SELECT id, title, created_at FROM courses
WHERE status = 'published'
  AND (created_at < '2024-06-01 10:00:00'
       OR (created_at = '2024-06-01 10:00:00' AND id < 8812))
ORDER BY created_at DESC, id DESC
LIMIT 20;
\`\`\`

排序字段加上 \`id\` 作为“决胜列”，保证顺序唯一，不会漏数据或重复；配合 \`(status, created_at, id)\` 索引，翻到多深耗时都几乎不变。

## 方案二：延迟关联

必须支持跳页时，先在子查询里用覆盖索引找出 20 个主键，再关联取整行：

\`\`\`sql
SELECT c.id, c.title, c.created_at
FROM courses c
JOIN (SELECT id FROM courses WHERE status = 'published'
      ORDER BY created_at DESC LIMIT 100000, 20) t ON c.id = t.id
ORDER BY c.created_at DESC;
\`\`\`

## 产品层面

移动端用“加载更多”代替页码；限制最大可翻页数，很少有人真的翻到第 100 页。` },
    { title: '事务隔离级别与 MVCC', isFreePreview: false, mediaUrl: null, durationSeconds: 1020,
      bodyMd: `多个事务同时读写同一批数据时，会出现**脏读、不可重复读、幻读**三类问题。隔离级别决定了数据库替你挡住哪些。

| 隔离级别 | 脏读 | 不可重复读 | 幻读 |
| --- | --- | --- | --- |
| READ UNCOMMITTED | 可能 | 可能 | 可能 |
| READ COMMITTED | 避免 | 可能 | 可能 |
| REPEATABLE READ（InnoDB 默认） | 避免 | 避免 | 快照读可避免 |
| SERIALIZABLE | 避免 | 避免 | 避免 |

## MVCC：读不加锁的秘密

InnoDB 为每行保存多个版本。普通 \`SELECT\` 是**快照读**，读的是 Read View 对应的版本，读写互不阻塞；\`FOR UPDATE\` 和 \`UPDATE\` 是**当前读**，读最新版本并加锁。

\`\`\`sql
START TRANSACTION;
SELECT stock FROM products WHERE id = 1 FOR UPDATE; -- 当前读并加行锁
UPDATE products SET stock = stock - 1 WHERE id = 1 AND stock > 0;
COMMIT;
\`\`\`

扣库存这类“先读后写”的逻辑，必须使用当前读，或在 \`UPDATE\` 中带上条件判断，否则可能基于过期的快照做出错误决策。

## 怎么选

多数业务使用默认的 REPEATABLE READ；也有团队改为 READ COMMITTED 以减少间隙锁冲突。修改前要确认业务不依赖可重复读的语义。` },
    { title: '锁等待与死锁排查', isFreePreview: false, mediaUrl: null, durationSeconds: null,
      bodyMd: `线上报错 \`Lock wait timeout exceeded\` 或 \`Deadlock found when trying to get lock\`，说明事务之间在争抢行锁。排查分三步：**找到谁在等、谁在持有、为什么持有这么久**。

\`\`\`sql
-- 谁在等谁（MySQL 8.0）
SELECT waiting_pid, waiting_query, blocking_pid, blocking_query, wait_age
FROM sys.innodb_lock_waits;

-- 长时间未提交的事务
SELECT trx_id, trx_started, trx_mysql_thread_id, trx_query
FROM information_schema.innodb_trx
ORDER BY trx_started;

-- 最近一次死锁详情，见 LATEST DETECTED DEADLOCK 一节
SHOW ENGINE INNODB STATUS;
\`\`\`

死锁日志会列出两个事务分别持有和等待的锁，以及 InnoDB 选择回滚了哪一个。

## 预防措施

1. **缩短事务**：不要在事务里调用外部接口或等待用户操作。
2. **固定加锁顺序**：例如转账时总是先锁 id 较小的账户。
3. **让更新走索引**：没有索引的 \`UPDATE\` 会锁住大量记录。
4. **应用层重试**：死锁在高并发下难以完全避免，被回滚的事务应自动重试一两次。` },
  ],
  'wechat-miniprogram-quickstart': [
    { title: '注册账号与项目结构', isFreePreview: true, mediaUrl: null, durationSeconds: 600,
      bodyMd: `开发小程序前，需要在微信公众平台注册小程序账号，获取 **AppID**，并安装“微信开发者工具”。个人主体也能注册，但微信支付等能力需要企业主体。

## 目录结构

每个页面由同名的四个文件组成：\`.js\` 写逻辑，\`.json\` 写配置，\`.wxml\` 写结构，\`.wxss\` 写样式。全局的 \`app.js\`、\`app.json\`、\`app.wxss\` 放在项目根目录。

## app.json 的关键配置

\`\`\`json
{
  "pages": ["pages/index/index", "pages/course/course"],
  "window": {
    "navigationBarTitleText": "知付课堂",
    "navigationBarBackgroundColor": "#ffffff",
    "navigationBarTextStyle": "black"
  }
}
\`\`\`

\`pages\` 数组的第一项就是首页。新增页面时在这里添加路径，开发者工具会自动生成对应的四个文件。

## 本课作业

1. 注册账号，在“开发管理”中找到 AppID。
2. 新建项目，把首页导航栏标题改成你自己的名字。
3. 点击“预览”，用手机扫码，确认能在真机上打开。` },
    { title: 'WXML 与 WXSS：数据绑定和样式', isFreePreview: true, mediaUrl: null, durationSeconds: 900,
      bodyMd: `WXML 类似 HTML，但多了数据绑定、条件渲染和列表渲染；WXSS 类似 CSS，并新增了响应式单位 \`rpx\`。

\`\`\`html
<view wx:for="{{courses}}" wx:key="id" class="course-card"
      data-id="{{item.id}}" bindtap="onTapCourse">
  <text>{{item.title}}</text>
  <text wx:if="{{item.price === 0}}" class="free">免费</text>
</view>
\`\`\`

\`\`\`js
Page({
  data: {
    courses: [{ id: 1, title: 'TypeScript 实战', price: 199 }],
  },
  onTapCourse(e) {
    const { id } = e.currentTarget.dataset;
    wx.navigateTo({ url: \`/pages/course/course?id=\${id}\` });
  },
});
\`\`\`

## 修改数据必须用 setData

直接给 \`this.data\` 赋值不会刷新界面，要写成 \`this.setData({ 'courses[0].price': 99 })\`。\`setData\` 会把数据从逻辑层传到渲染层，频繁调用或一次传大量数据都会卡顿，只传变化的字段。

## rpx：按屏幕宽度缩放

小程序规定屏幕宽度为 750rpx。设计稿宽 750px 时，直接把 px 换成 rpx 即可，例如 \`padding: 24rpx 32rpx\`，在不同宽度的手机上会等比缩放。字号也可以用 rpx，但正文不宜小于 24rpx，否则在小屏手机上难以阅读。` },
    { title: '自定义组件：把课程卡片拆出来', isFreePreview: false, mediaUrl: null, durationSeconds: 960,
      bodyMd: `页面越写越长时，就该把可复用的部分拆成组件。组件同样由四个文件组成，并在 json 中声明 \`"component": true\`。下面把课程卡片做成组件：它接收标题和价格，自己负责价格格式化，被点击时通知页面。

\`\`\`js
// components/course-card/course-card.js
Component({
  properties: {
    title: { type: String, value: '' },
    priceFen: { type: Number, value: 0 },
  },
  data: { priceText: '' },
  observers: {
    priceFen(fen) {
      this.setData({ priceText: fen === 0 ? '免费' : \`¥\${(fen / 100).toFixed(2)}\` });
    },
  },
  methods: {
    onTap() {
      this.triggerEvent('select', { title: this.properties.title });
    },
  },
});
\`\`\`

使用时在页面 json 的 \`usingComponents\` 中注册 \`"course-card": "/components/course-card/course-card"\`，然后在 WXML 中像普通标签一样使用，并用 \`bind:select\` 监听事件。

## 组件通信小结

- **父传子**：通过 \`properties\`。
- **子传父**：通过 \`triggerEvent\` 触发自定义事件。
- **逻辑复用**：通过 \`behaviors\` 在多个组件间共享代码。

组件样式默认与页面隔离，页面样式不会影响组件内部，能避免很多样式冲突。` },
    { title: '网络请求与登录授权', isFreePreview: false, mediaUrl: null, durationSeconds: 1140,
      bodyMd: `小程序登录不需要账号密码，而是通过 \`wx.login\` 拿到临时凭证 \`code\`，由你的服务端换取用户身份：

1. 小程序调用 \`wx.login()\` 获取 \`code\`（5 分钟内有效，只能用一次）。
2. 把 \`code\` 发给自己的服务端。
3. 服务端调用微信的 \`code2Session\` 接口，得到 \`openid\` 和 \`session_key\`。
4. 服务端生成自己的登录态 token 返回，**session_key 绝不下发到客户端**。

## 封装请求

\`\`\`js
export function request({ url, method = 'GET', data }) {
  const token = wx.getStorageSync('token');
  return new Promise((resolve, reject) => {
    wx.request({
      url: \`https://api.example.com\${url}\`,
      method,
      data,
      header: token ? { Authorization: \`Bearer \${token}\` } : {},
      success(res) {
        if (res.statusCode === 401) wx.removeStorageSync('token');
        if (res.statusCode >= 400) reject(new Error(\`请求失败：\${res.statusCode}\`));
        else resolve(res.data);
      },
      fail: reject,
    });
  });
}
\`\`\`

## 注意事项

- 请求域名必须在后台“服务器域名”中配置，且必须是 HTTPS。
- 头像、昵称、手机号都需要用户主动触发授权，不能一进页面就弹窗索取。
- AppSecret 只能保存在服务端，绝不能写进小程序代码。` },
    { title: '发布审核与常见被拒原因', isFreePreview: false, mediaUrl: null, durationSeconds: 600,
      bodyMd: `代码写完后，在开发者工具中点击“上传”，再到公众平台把这个版本提交审核。审核通过后手动点击“发布”，用户才能看到新版本。

## 常见被拒原因

| 原因 | 解决办法 |
| --- | --- |
| 类目与内容不符 | 补充类目或资质，删除不相关功能 |
| 诱导分享 | 去掉“分享后解锁”之类的设计 |
| 强制授权 | 允许用户先浏览，需要时再登录 |
| 功能不完整 | 提供测试账号，去掉“敬请期待”页面 |
| 隐私指引缺失 | 在后台填写并覆盖所有用到的隐私接口 |

## 提示用户更新

\`\`\`js
App({
  onLaunch() {
    const updateManager = wx.getUpdateManager();
    updateManager.onUpdateReady(() => {
      wx.showModal({
        title: '更新提示',
        content: '新版本已经准备好，是否重启应用？',
        success: (res) => res.confirm && updateManager.applyUpdate(),
      });
    });
  },
});
\`\`\`

发布后若出现严重问题，先在“版本管理”中回退到上一版本再修复，并关注“运维中心”的错误日志。` },
  ],
  'flutter-cross-platform': [
    { title: 'Flutter 的渲染原理：三棵树', isFreePreview: true, mediaUrl: null, durationSeconds: 780,
      bodyMd: `Flutter 不使用系统原生控件，而是用自己的渲染引擎直接绘制界面，所以在 iOS 和 Android 上外观一致、性能接近原生。

## 三棵树

- **Widget 树**：对界面的不可变**描述**，创建成本很低，每次 \`build\` 都会重新生成。
- **Element 树**：Widget 的实例，管理生命周期，并在重建时对比新旧 Widget，尽量复用。
- **RenderObject 树**：真正负责布局和绘制，创建成本高，会被尽量复用。

所以不必担心“每次 build 都创建新 Widget 会很慢”，Widget 只是轻量的配置对象。

\`\`\`dart
import 'package:flutter/material.dart';

void main() => runApp(const ZhifuApp());

class ZhifuApp extends StatelessWidget {
  const ZhifuApp({super.key});

  @override
  Widget build(BuildContext context) {
    return MaterialApp(
      title: '知付课堂',
      theme: ThemeData(colorSchemeSeed: Colors.teal),
      home: const Scaffold(body: Center(child: Text('你好，Flutter'))),
    );
  }
}
\`\`\`

性能小贴士：尽量给 Widget 加上 \`const\`，让框架跳过重建；把频繁变化的部分拆成小 Widget，缩小重建范围。` },
    { title: '常用布局：Row、Column 与列表', isFreePreview: false, mediaUrl: null, durationSeconds: 900,
      bodyMd: `Flutter 的布局规则可以概括为一句话：**约束向下传递，尺寸向上传递，父组件决定位置**。父组件告诉子组件“你最多能多宽多高”，子组件在约束内决定自己的尺寸，再由父组件摆放它。\`Row\` 与 \`Column\` 相当于 CSS 的 Flexbox，\`mainAxisAlignment\` 控制主轴，\`crossAxisAlignment\` 控制交叉轴。下面的课程条目使用了封装好的 \`ListTile\`，它内部就是一个排好版的 \`Row\`。

\`\`\`dart
class CourseTile extends StatelessWidget {
  const CourseTile({super.key, required this.title, required this.priceFen});

  final String title;
  final int priceFen;

  @override
  Widget build(BuildContext context) {
    return ListTile(
      leading: const Icon(Icons.play_circle_outline),
      title: Text(title, maxLines: 1, overflow: TextOverflow.ellipsis),
      trailing: Text(priceFen == 0 ? '免费' : '¥\${(priceFen / 100).toStringAsFixed(2)}'),
    );
  }
}
\`\`\`

## 要点

- 在 \`Row\` 中放长文本时，用 \`Expanded\` 包裹，避免经典的黄黑条纹“溢出”警告。
- 层叠效果（如封面上的“试看”角标）用 \`Stack\` 配合 \`Positioned\`。
- 长列表一定要用 \`ListView.builder\`，它只构建屏幕上可见的条目：\`ListView.builder(itemCount: courses.length, itemBuilder: (context, i) => ...)\`。` },
    { title: '路由与页面跳转', isFreePreview: false, mediaUrl: null, durationSeconds: 840,
      bodyMd: `Flutter 有两套路由 API：简单直接的 \`Navigator\`，以及适合复杂应用、支持深链接的声明式路由。\`Navigator.push\` 像一个页面栈，适合小应用；一旦需要处理网页地址、推送通知打开指定页面、登录拦截，声明式路由会清晰得多。实际项目中常用官方维护的 go_router 包。

\`\`\`dart
final router = GoRouter(
  routes: [
    GoRoute(
      path: '/',
      builder: (context, state) => const HomePage(),
      routes: [
        GoRoute(
          path: 'courses/:slug',
          builder: (context, state) =>
              CourseDetailPage(slug: state.pathParameters['slug']!),
        ),
      ],
    ),
    GoRoute(path: '/login', builder: (context, state) => const LoginPage()),
  ],
  redirect: (context, state) {
    final atLogin = state.matchedLocation == '/login';
    if (!auth.isLoggedIn) return atLogin ? null : '/login';
    return atLogin ? '/' : null;
  },
);

// MaterialApp.router(routerConfig: router)
// 跳转：context.go('/courses/flutter-cross-platform');
\`\`\`

## 要点

- \`redirect\` 回调实现了路由守卫：返回 \`null\` 表示放行，返回路径表示重定向；要排除登录页本身，避免循环重定向。
- \`go\` 会替换整个路由栈，\`push\` 会在栈顶压入新页面，两者按返回键的行为不同。
- 在 \`async\` 方法中 \`await\` 之后再使用 \`context\`，先检查 \`context.mounted\`。` },
    { title: '状态管理：从 setState 到 Provider', isFreePreview: false, mediaUrl: 'https://media.example.com/zhifu/flutter-cross-platform/4.mp4', durationSeconds: 1260,
      bodyMd: `状态管理要回答的问题是：**数据放在哪里，谁能修改，修改后谁需要重建**。只属于一个组件的状态（输入框内容、展开收起）用 \`StatefulWidget\` 加 \`setState\` 就够了；购物车、登录用户这类多页面共享的状态，可以放进 \`ChangeNotifier\`，再用 provider 包提供给子树。

\`\`\`dart
class CartModel extends ChangeNotifier {
  final List<Course> _items = [];

  List<Course> get items => List.unmodifiable(_items);
  int get totalFen => _items.fold(0, (sum, c) => sum + c.priceFen);

  void add(Course course) {
    if (_items.any((c) => c.slug == course.slug)) return;
    _items.add(course);
    notifyListeners();
  }
}

// 顶层提供：ChangeNotifierProvider(create: (_) => CartModel(), child: const ZhifuApp())
// 读取并监听：context.watch<CartModel>().totalFen
// 只调用方法：context.read<CartModel>().add(course)
\`\`\`

## 如何选择方案

| 规模 | 推荐 |
| --- | --- |
| 小型应用、学习阶段 | setState + Provider |
| 中大型应用 | Riverpod 或 Bloc |

\`watch\` 会在数据变化时让当前 Widget 重建，\`read\` 只取值不订阅，在按钮回调里用 \`read\` 可以避免无谓的重建。选择团队熟悉的方案，比追逐最新的方案更重要。` },
    { title: '实战：带登录的课程列表', isFreePreview: false, mediaUrl: null, durationSeconds: 1500,
      bodyMd: `最后把前面的知识串起来：登录后拉取课程列表，支持下拉刷新和失败重试。页面状态只有三种：加载中、失败、成功。\`FutureBuilder\` 根据 \`Future\` 的状态自动切换界面；下拉刷新时创建新的 \`Future\` 并调用 \`setState\`，整个页面就会随之重建。注意 \`Future\` 要保存在 State 里，而不是在 \`build\` 中创建，否则每次重建都会重新发请求。

\`\`\`dart
class _CourseListPageState extends State<CourseListPage> {
  late Future<List<Course>> _future = widget.api.fetchCourses();

  Future<void> _refresh() async {
    final next = widget.api.fetchCourses();
    setState(() => _future = next);
    await next;
  }

  @override
  Widget build(BuildContext context) {
    return FutureBuilder<List<Course>>(
      future: _future,
      builder: (context, snapshot) {
        if (snapshot.connectionState != ConnectionState.done) {
          return const Center(child: CircularProgressIndicator());
        }
        if (snapshot.hasError) {
          return Center(child: TextButton(onPressed: _refresh, child: const Text('加载失败，点击重试')));
        }
        final courses = snapshot.data!;
        return RefreshIndicator(
          onRefresh: _refresh,
          child: ListView.builder(
            itemCount: courses.length,
            itemBuilder: (_, i) => CourseTile(title: courses[i].title, priceFen: courses[i].priceFen),
          ),
        );
      },
    );
  }
}
\`\`\`

## 收尾清单

- \`fetchCourses\` 在请求头中带上登录 token，遇到 401 时跳转登录页。
- token 用 flutter_secure_storage 保存，不要放在普通的 SharedPreferences 里。
- 上架前在 iOS 和 Android 真机上测试深色模式、大字体和弱网环境。` },
  ],
  'llm-application-development': [
    { title: '大模型应用的基本构成', isFreePreview: true, mediaUrl: null, durationSeconds: 600,
      bodyMd: `把大模型接进产品，远不只是“调一个接口”。一个可用的大模型应用，通常由以下几部分组成：

1. **模型调用层**：封装不同厂商的 API，统一处理超时、重试和流式输出。
2. **提示词**：告诉模型它的角色、任务、约束和输出格式。
3. **上下文**：对话历史、用户信息，以及通过检索得到的资料。
4. **工具调用**：让模型查询数据库、调用内部接口。
5. **评测与监控**：衡量回答质量，追踪成本与延迟。

## 最小可用示例

国内外多数厂商都提供 OpenAI 兼容接口，下面用官方 Python SDK 调用一个对话模型：

\`\`\`python
import os

from openai import OpenAI

client = OpenAI(base_url="https://llm.example.com/v1", api_key=os.environ["LLM_API_KEY"])

resp = client.chat.completions.create(
    model="your-model-name",
    messages=[
        {"role": "system", "content": "你是知付平台的课程顾问，回答简洁、准确。"},
        {"role": "user", "content": "零基础应该先学哪门课？"},
    ],
    temperature=0.3,
)
print(resp.choices[0].message.content)
\`\`\`

## 本课程的项目

我们将做一个**基于课程讲义的问答助手**：学员提问，系统从讲义中检索相关段落，交给模型生成带出处的回答。后面每一课都会为这个项目增加一个模块。` },
    { title: '提示词设计：把需求说清楚', isFreePreview: true, mediaUrl: null, durationSeconds: 900,
      bodyMd: `好的提示词和好的需求文档一样：**角色清楚、任务明确、约束具体、格式可解析**。与其写“请认真回答”，不如把规则一条条列出来。

\`\`\`python
SYSTEM_PROMPT = """你是“知付”平台的学习助手。
任务：根据【参考资料】回答学员的问题。
规则：
1. 只使用参考资料中的信息；资料中没有答案时，回答“资料中没有提到”。
2. 回答不超过 200 字，使用简体中文。
3. 在引用的句子后用 [编号] 标注出处。
格式：先给结论，再列出要点。"""
\`\`\`

## 实用技巧

- **给示例（few-shot）**：一到三个输入输出示例，往往比十句规则描述更有效。
- **要求结构化输出**：需要程序解析时让模型输出 JSON，并在代码里校验；很多 API 支持用 JSON Schema 约束输出。
- **固定内容放前面**：系统提示不变、变化的内容放最后，有利于命中厂商的提示词缓存，降低成本。
- **用分隔符包住用户输入**：减少提示词注入的风险。

## 迭代方法

不要凭感觉改提示词。先准备 20 到 50 个有代表性的问题，每次修改后都跑一遍、对比结果，这就是后面“评测”一课的雏形。` },
    { title: '文档切分与向量化', isFreePreview: false, mediaUrl: null, durationSeconds: 1080,
      bodyMd: `模型的上下文窗口有限，也不可能每次都把全部讲义塞进去。RAG 的第一步，是把文档切成大小合适的片段，并转成向量存起来。切分时优先按标题、段落切，保持语义完整；中文每段 300 到 800 字较常见；相邻片段保留约 10% 的重叠，避免关键句被切断；同时记录课程、章节等元数据，用于过滤和标注出处。

\`\`\`python
def split_markdown(text: str, max_chars: int = 600, overlap: int = 80) -> list[str]:
    chunks: list[str] = []
    for section in text.split("\\n## "):
        section = section.strip()
        start = 0
        while start < len(section):
            end = min(start + max_chars, len(section))
            chunks.append(section[start:end])
            if end == len(section):
                break
            start = end - overlap
    return chunks


resp = client.embeddings.create(model="your-embedding-model", input=chunks)
vectors = [item.embedding for item in resp.data]
\`\`\`

向量模型把一段文本映射成几百到几千维的向量，语义相近的文本，向量的余弦相似度也更高。

## 注意事项

1. 文档和查询必须使用**同一个**向量模型。
2. 更换向量模型后，需要重新计算全部向量。
3. 批量调用接口，并保存每个片段的来源，方便引用和增量更新。` },
    { title: '向量检索与 RAG 流水线', isFreePreview: false, mediaUrl: 'https://media.example.com/zhifu/llm-application-development/4.mp4', durationSeconds: 1320,
      bodyMd: `有了向量，就可以在用户提问时找出最相关的片段，拼进提示词，让模型“有据可依”地回答，这就是检索增强生成（RAG）。流水线分五步：问题向量化、检索最相似的 k 个片段（常取 3 到 8）、可选的重排序、拼接提示词、生成带出处的回答。

\`\`\`python
import numpy as np


def top_k(query_vec: np.ndarray, doc_vecs: np.ndarray, k: int = 5) -> np.ndarray:
    q = query_vec / np.linalg.norm(query_vec)
    d = doc_vecs / np.linalg.norm(doc_vecs, axis=1, keepdims=True)
    return np.argsort(-(d @ q))[:k]


def answer(question: str) -> str:
    idx = top_k(np.array(embed([question])[0]), DOC_VECTORS)
    context = "\\n\\n".join(f"[{i + 1}] {CHUNKS[j]}" for i, j in enumerate(idx))
    messages = [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": f"【参考资料】\\n{context}\\n\\n【问题】{question}"},
    ]
    resp = client.chat.completions.create(model="your-model-name", messages=messages)
    return resp.choices[0].message.content
\`\`\`

## 走向生产

- 数据量大时使用 pgvector、Milvus 等向量数据库，而不是每次全量计算。
- **混合检索**：向量检索擅长语义，关键词检索（BM25）擅长专有名词和代码，两者结合效果更稳。
- 检索不到相关内容时，宁可回答“不知道”，也不要让模型自由发挥。` },
    { title: '评测：怎么知道回答变好了', isFreePreview: false, mediaUrl: null, durationSeconds: 960,
      bodyMd: `改了提示词、换了切分策略，回答到底是变好还是变差？没有评测，所有优化都只是感觉。先收集 50 到 200 个真实问题，为每个问题标注答案要点、应该命中的文档片段，以及问题类型（事实查询、操作步骤、资料中没有答案等）。

## 分层指标

| 环节 | 指标 | 说明 |
| --- | --- | --- |
| 检索 | 召回率@k | 正确片段是否出现在前 k 个结果中 |
| 生成 | 忠实度 | 回答是否都能在资料中找到依据 |
| 生成 | 正确性 | 是否覆盖答案要点 |
| 体验 | 延迟与成本 | 首字延迟、每次调用的 token 数 |

## 用代码计算召回率

\`\`\`python
def recall_at_k(cases: list[dict], k: int = 5) -> float:
    hits = 0
    for case in cases:
        idx = top_k(np.array(embed([case["question"]])[0]), DOC_VECTORS, k)
        if case["chunk_id"] in idx.tolist():
            hits += 1
    return hits / len(cases)
\`\`\`

生成质量可以用“模型当裁判”的方式打分，但要定期人工抽查，确认裁判本身可靠。最后把评测脚本放进 CI：每次修改提示词或检索参数都自动运行，分数下降就阻止上线。` },
    { title: '成本控制与上线', isFreePreview: false, mediaUrl: null, durationSeconds: 720,
      bodyMd: `大模型按 token 计费，用户量一上来，账单可能比服务器费用还高。上线前要把成本和稳定性都考虑清楚。

## 降低成本

1. **选对模型**：分类、改写等简单任务用小模型，复杂推理才用大模型。
2. **控制上下文**：只放最相关的几个片段，截断过长的历史对话。
3. **缓存**：相同问题直接返回缓存答案，并利用厂商的提示词前缀缓存。
4. **限制输出**：设置合理的 \`max_tokens\`。

\`\`\`python
import logging
import time

logger = logging.getLogger("llm")


def chat_with_metrics(messages: list[dict], model: str) -> str:
    start = time.perf_counter()
    resp = client.chat.completions.create(model=model, messages=messages, timeout=30)
    logger.info(
        "model=%s prompt_tokens=%d completion_tokens=%d latency_ms=%d",
        model, resp.usage.prompt_tokens, resp.usage.completion_tokens,
        (time.perf_counter() - start) * 1000,
    )
    return resp.choices[0].message.content
\`\`\`

## 稳定性

设置超时与重试，并准备**备用模型**在主模型不可用时切换；使用流式输出让用户更快看到第一个字；对输入做长度限制和内容安全审核，并按用户维度限流，防止被刷。` },
  ],
  'machine-learning-foundations': [
    { title: '机器学习到底在做什么', isFreePreview: true, mediaUrl: null, durationSeconds: 540,
      bodyMd: `传统编程是“人写规则，程序按规则处理数据”；机器学习则反过来，**给出数据和答案，让程序自己找出规则**。常见任务有三类：**回归**预测连续数值（如根据学习时长预测分数），**分类**预测类别（如判断评论是好评还是差评），**聚类**在没有标准答案时把相似样本自动分组。

## 一次完整的训练流程

1. 准备数据，划分训练集和测试集。
2. 选择模型，在训练集上**拟合**参数。
3. 在测试集上**评估**，检查模型在没见过的数据上表现如何。
4. 分析错误，调整特征或模型，重复以上步骤。

\`\`\`python
from sklearn.datasets import load_iris
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier

X, y = load_iris(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=42)

model = KNeighborsClassifier(n_neighbors=5)
model.fit(X_train, y_train)
print(f"测试集准确率：{model.score(X_test, y_test):.2%}")
\`\`\`

十行代码就训练出了一个鸢尾花分类器。接下来的课程，我们会打开这个“黑盒”，用 NumPy 亲手实现每一个算法。` },
    { title: '线性回归与梯度下降', isFreePreview: false, mediaUrl: 'https://media.example.com/zhifu/machine-learning-foundations/2.mp4', durationSeconds: 1200,
      bodyMd: `线性回归假设目标值和特征之间是线性关系，训练目标是找到让**均方误差**最小的权重 \`w\` 和偏置 \`b\`。梯度下降的直觉是：蒙着眼站在山坡上想走到谷底，每一步都沿**最陡的下坡方向**走一小段。步子的大小叫**学习率**，太大会来回震荡，太小则收敛很慢。

\`\`\`python
import numpy as np


def fit_linear(X: np.ndarray, y: np.ndarray, lr: float = 0.01, epochs: int = 2000):
    n, d = X.shape
    w, b = np.zeros(d), 0.0
    for _ in range(epochs):
        error = X @ w + b - y
        w -= lr * (2 / n) * (X.T @ error)
        b -= lr * (2 / n) * error.sum()
    return w, b


rng = np.random.default_rng(0)
X = rng.uniform(0, 10, size=(200, 1))
y = 3 * X[:, 0] + 5 + rng.normal(0, 1, size=200)
w, b = fit_linear(X, y)
print(w, b)  # 接近 [3.] 和 5
\`\`\`

## 关键点

- 特征的量纲差异很大时，先做**标准化**，否则梯度下降会很慢。
- 把每轮的损失画成曲线，确认它在稳定下降。
- 和 scikit-learn 的 \`LinearRegression\` 对比结果，验证你的实现是否正确。` },
    { title: '逻辑回归与分类评估', isFreePreview: false, mediaUrl: null, durationSeconds: 1020,
      bodyMd: `逻辑回归名字里有“回归”，做的却是**二分类**：先算出一个线性得分，再用 sigmoid 函数把它压缩到 0 到 1 之间，作为“属于正类的概率”。它的损失函数是交叉熵，梯度形式恰好和线性回归一样简洁。

\`\`\`python
import numpy as np


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def fit_logistic(X: np.ndarray, y: np.ndarray, lr: float = 0.1, epochs: int = 2000):
    n, d = X.shape
    w, b = np.zeros(d), 0.0
    for _ in range(epochs):
        p = sigmoid(X @ w + b)
        w -= lr * X.T @ (p - y) / n
        b -= lr * (p - y).mean()
    return w, b
\`\`\`

## 只看准确率是不够的

如果 100 个样本里只有 5 个正例，一个永远预测“负例”的模型也有 95% 的准确率。所以还要看：

| 指标 | 含义 |
| --- | --- |
| 精确率 | 预测为正的样本中，真正为正的比例 |
| 召回率 | 所有正样本中，被找出来的比例 |
| F1 | 精确率与召回率的调和平均 |

调整判定阈值可以在两者之间权衡：宁可误报也不能漏报的场景（如欺诈检测），就把阈值调低。` },
    { title: '决策树：像人一样做判断', isFreePreview: false, mediaUrl: null, durationSeconds: 900,
      bodyMd: `决策树通过一连串“是/否”问题做出预测，例如“学习时长是否超过 10 小时？是则继续问完成作业数是否超过 5……”。它最大的优点是**可解释**。每次分裂都选择让子节点“更纯”的特征和阈值，常用的纯度指标是**基尼不纯度**。

\`\`\`python
import numpy as np


def gini(y: np.ndarray) -> float:
    _, counts = np.unique(y, return_counts=True)
    p = counts / counts.sum()
    return 1.0 - float(np.sum(p**2))


def best_split(X: np.ndarray, y: np.ndarray) -> tuple[int, float, float]:
    best = (-1, 0.0, gini(y))
    for feature in range(X.shape[1]):
        for threshold in np.unique(X[:, feature]):
            left = X[:, feature] <= threshold
            if left.all() or not left.any():
                continue
            score = (left.sum() * gini(y[left]) + (~left).sum() * gini(y[~left])) / len(y)
            if score < best[2]:
                best = (feature, float(threshold), score)
    return best
\`\`\`

对左右子集递归调用 \`best_split\`，直到节点足够纯或达到最大深度，一棵树就建好了。

## 防止过拟合

不加限制的树能把训练集背得滚瓜烂熟，测试集上却表现很差。常用 \`max_depth\` 限制深度、\`min_samples_leaf\` 限制叶子的最少样本数。随机森林则训练许多棵在随机样本、随机特征上生长的树，再让它们投票，通常比单棵树稳定得多。` },
    { title: '神经网络：从零实现一个两层网络', isFreePreview: false, mediaUrl: null, durationSeconds: 1500,
      bodyMd: `神经网络可以看作“多个逻辑回归叠在一起”：每一层先做线性变换，再经过非线性激活函数。正是这个非线性，让网络能拟合复杂的函数。**前向传播**逐层计算出预测值和损失，**反向传播**用链式法则从损失出发，逐层求出每个参数的梯度。异或问题无法用一条直线分开，逻辑回归解决不了，两层网络却可以：

\`\`\`python
import numpy as np

rng = np.random.default_rng(42)
X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
y = np.array([[0], [1], [1], [0]], dtype=float)
W1, b1 = rng.normal(0, 1, (2, 8)), np.zeros(8)
W2, b2 = rng.normal(0, 1, (8, 1)), np.zeros(1)
lr = 0.5

for _ in range(5000):
    h = np.tanh(X @ W1 + b1)  # 隐藏层
    p = 1 / (1 + np.exp(-(h @ W2 + b2)))  # 输出层
    d_out = (p - y) / len(X)  # 交叉熵 + sigmoid 的梯度
    d_h = (d_out @ W2.T) * (1 - h**2)  # tanh 的导数
    W2 -= lr * h.T @ d_out
    b2 -= lr * d_out.sum(axis=0)
    W1 -= lr * X.T @ d_h
    b1 -= lr * d_h.sum(axis=0)

print(np.round(p.ravel(), 2))  # 接近 [0, 1, 1, 0]
\`\`\`

## 接下来学什么

- 用 PyTorch 重写上面的代码，体会自动求导带来的便利；
- 学习 mini-batch、Adam 优化器和正则化；
- 在 MNIST 手写数字数据集上训练你的第一个图像分类器。` },
  ],
  'docker-kubernetes-practice': [
    { title: '容器与镜像：先把概念理顺', isFreePreview: true, mediaUrl: null, durationSeconds: 660,
      bodyMd: `“在我电脑上明明能跑”——容器就是为终结这句话而生的。它把应用和运行环境一起打包，在任何装有容器运行时的机器上都以相同方式运行。**镜像**是只读模板，由多层文件系统叠加而成；**容器**是镜像运行起来的实例，拥有独立的进程空间、网络和文件系统；**仓库**用来存放和分发镜像。容器共享宿主机内核，启动只需秒级，资源开销远小于虚拟机。

\`\`\`bash
# 启动一个 MySQL 容器，数据保存在名为 mysql-data 的 volume 中
docker run -d --name db \\
  -e MYSQL_ROOT_PASSWORD=secret \\
  -p 3306:3306 \\
  -v mysql-data:/var/lib/mysql \\
  mysql:8.4

docker ps                 # 查看运行中的容器
docker logs -f db         # 持续查看日志
docker exec -it db bash   # 进入容器内部
docker stop db && docker rm db
\`\`\`

## 数据不要放在容器里

容器删除后，写在容器文件系统里的数据也会一起消失。数据库文件、用户上传等需要持久化的数据，要用 **volume** 或挂载目录保存。上面的例子中即使删除并重建容器，数据仍然保存在 \`mysql-data\` 里。` },
    { title: 'Dockerfile 最佳实践：多阶段构建', isFreePreview: false, mediaUrl: null, durationSeconds: 1080,
      bodyMd: `随手写的 Dockerfile，镜像可能有 1GB，每次构建都要好几分钟。多阶段构建把“编译环境”和“运行环境”分开，最终镜像只包含运行所需的文件，体积更小，拉取和启动也更快。

\`\`\`dockerfile
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:22-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
USER node
EXPOSE 3000
CMD ["node", "dist/main.js"]
\`\`\`

## 要点解读

1. **先复制依赖清单，再复制源码**：只要 lock 文件不变，\`npm ci\` 这一层就能命中缓存。
2. **使用非 root 用户**：\`USER node\` 降低容器被攻破后的风险。
3. **CMD 使用 exec 形式**：Node 进程直接收到 \`SIGTERM\`，配合代码里的信号处理实现优雅退出。
4. **写好 .dockerignore**：排除 \`node_modules\`、\`.git\`、\`.env\` 和日志文件，构建更快，也不会把密钥打进镜像。` },
    { title: 'Kubernetes 入门：Pod 与 Deployment', isFreePreview: false, mediaUrl: null, durationSeconds: 1140,
      bodyMd: `Kubernetes 是一个**声明式**系统：你描述“期望状态”（例如运行 3 个副本），控制器负责持续把实际状态调整到期望状态。Pod 是调度的最小单位，但它是“易逝”的，节点故障或重新部署时会在别处重建、IP 也会变化，所以我们通过 Deployment 管理一组相同的 Pod，由它负责副本数量、滚动更新和回滚。下面这份配置就是一个典型的 Web 服务。

\`\`\`yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: zhifu-web
spec:
  replicas: 3
  selector:
    matchLabels: { app: zhifu-web }
  template:
    metadata:
      labels: { app: zhifu-web }
    spec:
      containers:
        - name: web
          image: registry.example.com/zhifu/web:1.4.2
          ports: [{ containerPort: 3000 }]
          resources:
            requests: { cpu: 250m, memory: 256Mi }
            limits: { memory: 512Mi }
          readinessProbe:
            httpGet: { path: /healthz, port: 3000 }
\`\`\`

## 常用命令

用 \`kubectl apply -f deployment.yaml\` 提交配置，\`kubectl get pods -l app=zhifu-web\` 查看 Pod，\`kubectl logs -f deploy/zhifu-web\` 查看日志。\`requests\` 用于调度，\`limits\` 是上限；内存超过 limit 的容器会被 OOMKilled，排查重启问题时先看 \`kubectl describe pod\` 输出的事件。` },
    { title: 'Service 与 Ingress：让流量找到 Pod', isFreePreview: false, mediaUrl: null, durationSeconds: 960,
      bodyMd: `Pod 的 IP 随时会变，客户端不能直接访问它。**Service** 通过标签选择器找到一组 Pod，提供固定的集群内地址和 DNS 名称；**Ingress** 则把外部 HTTP 流量按域名和路径路由到不同的 Service。

\`\`\`yaml
apiVersion: v1
kind: Service
metadata:
  name: zhifu-web
spec:
  selector: { app: zhifu-web }
  ports: [{ port: 80, targetPort: 3000 }]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: zhifu
spec:
  ingressClassName: nginx
  tls: [{ hosts: [zhifu.example.com], secretName: zhifu-tls }]
  rules:
    - host: zhifu.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service: { name: zhifu-web, port: { number: 80 } }
\`\`\`

同一命名空间内的服务可以直接访问 \`http://zhifu-web\`，Service 会在多个 Pod 之间做负载均衡，并且只有通过就绪探针的 Pod 才会接收流量。

## Service 类型速查

| 类型 | 用途 |
| --- | --- |
| ClusterIP | 默认，仅集群内部访问 |
| NodePort | 在每个节点上开放端口，多用于测试 |
| LoadBalancer | 由云厂商创建外部负载均衡器 |

注意：Ingress 只是规则，集群中必须安装 Ingress Controller（如 ingress-nginx）才会生效。` },
    { title: 'HPA：根据负载自动扩缩容', isFreePreview: false, mediaUrl: null, durationSeconds: 840,
      bodyMd: `流量高峰时自动加副本，低谷时自动减少——HorizontalPodAutoscaler（HPA）根据指标自动调整 Deployment 的副本数。前提是集群装了 metrics-server（\`kubectl top pods\` 能看到数据），并且容器设置了 \`resources.requests\`，因为 CPU 利用率是相对 request 计算的。

\`\`\`yaml
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: zhifu-web
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: zhifu-web }
  minReplicas: 3
  maxReplicas: 20
  metrics:
    - type: Resource
      resource:
        name: cpu
        target: { type: Utilization, averageUtilization: 60 }
  behavior:
    scaleDown: { stabilizationWindowSeconds: 300 }
\`\`\`

平均 CPU 利用率超过 request 的 60% 时扩容；缩容的稳定窗口让系统更谨慎，避免流量抖动时反复扩缩。压测时用 \`kubectl get hpa zhifu-web --watch\` 观察副本数变化。

## 注意

- \`minReplicas\` 至少设为 2 到 3，保证高可用。
- 扩容需要拉镜像、启动、通过就绪探针，突发流量要预留余量或提前扩容。
- 应用必须无状态，会话等数据放在 Redis 或数据库中。` },
    { title: '零停机滚动发布', isFreePreview: false, mediaUrl: 'https://media.example.com/zhifu/docker-kubernetes-practice/6.mp4', durationSeconds: 1200,
      bodyMd: `滚动更新会逐步用新版本 Pod 替换旧版本，但“滚动”不等于“零停机”。要做到用户无感知，需要几个配置协同工作：

1. **控制节奏**：\`maxUnavailable: 0\` 保证任何时刻可用副本都不少于期望值。
2. **就绪探针把关**：新 Pod 通过 \`readinessProbe\` 后才接收流量，才会继续替换下一个。
3. **旧 Pod 优雅退出**：从 Service 摘除与发送 \`SIGTERM\` 是并行发生的，加一个短暂的 \`preStop\` 等待，让摘除先生效。

\`\`\`yaml
spec:
  strategy:
    type: RollingUpdate
    rollingUpdate: { maxUnavailable: 0, maxSurge: 1 }
  template:
    spec:
      terminationGracePeriodSeconds: 30
      containers:
        - name: web
          lifecycle:
            preStop:
              exec: { command: ['sleep', '5'] }
\`\`\`

## 发布与回滚

\`\`\`bash
kubectl set image deploy/zhifu-web web=registry.example.com/zhifu/web:1.4.3
kubectl rollout status deploy/zhifu-web
kubectl rollout undo deploy/zhifu-web   # 出问题时一键回滚
\`\`\`

最后别忘了数据库变更要**向前兼容**：先发布兼容新旧代码的表结构，再发布新代码，否则回滚时旧代码会读不懂新表结构。` },
  ],
  'linux-command-line': [
    { title: '文本处理三剑客：grep、sed、awk', isFreePreview: true, mediaUrl: null, durationSeconds: 900,
      bodyMd: `在服务器上排查问题，大部分时间都在和日志打交道。\`grep\` 负责找，\`sed\` 负责改，\`awk\` 负责算，三者配合管道几乎能完成所有日志分析。

\`\`\`bash
grep -n "ERROR" app.log              # 显示行号
grep -rn "TODO" src/                 # 递归搜索目录
grep -E "timeout|refused" app.log    # 扩展正则，匹配多个关键词
grep -C 3 "OrderFailed" app.log      # 同时显示前后 3 行

sed -n '100,120p' app.log                       # 打印第 100 到 120 行
sed -i.bak 's/old-host/new-host/g' config.ini   # 原地替换并保留备份

# 统计各状态码出现的次数（第 9 列）
awk '{ count[$9]++ } END { for (code in count) print code, count[code] }' access.log
# 访问量最高的 10 个 IP
awk '{ print $1 }' access.log | sort | uniq -c | sort -rn | head -10
\`\`\`

## 记忆要点

- \`grep -v\` 反向匹配，常用来排除健康检查之类的噪音。
- \`sed -i\` 会直接改文件，第一次使用时先不加 \`-i\` 看看输出是否符合预期。
- \`awk\` 默认按空白分列，\`$1\` 是第一列，\`$NF\` 是最后一列，\`-F,\` 可以改为按逗号分隔。

## 练习

找一份 Nginx 访问日志，统计每小时的请求量和 5xx 错误数。提示：时间在第 4 列，可以用 \`awk\` 的 \`substr\` 截取小时。` },
    { title: '管道、重定向与 xargs', isFreePreview: false, mediaUrl: null, durationSeconds: 720,
      bodyMd: `Unix 哲学是“每个工具只做好一件事”，管道把这些小工具组合成强大的流水线。\`>\` 覆盖写入文件，\`>>\` 追加，\`2>\` 重定向标准错误，\`> all.log 2>&1\` 把标准输出和标准错误写进同一个文件，\`2>/dev/null\` 则丢弃错误信息。管道 \`|\` 把前一个命令的标准输出作为后一个命令的标准输入。

\`\`\`bash
du -sh ./* | sort -h | tail -5      # 当前目录下最大的 5 个条目

# 删除 7 天前的日志；-print0 与 -0 配合可正确处理带空格的文件名
find /var/log/app -name "*.log" -mtime +7 -print0 | xargs -0 rm -f

# 用 4 个进程并行压缩
find . -name "*.csv" -print0 | xargs -0 -P 4 -n 1 gzip

# 输出既显示在屏幕上，又保存到文件
npm run build 2>&1 | tee build.log
\`\`\`

## 为什么需要 xargs

有些命令不读标准输入，只接受参数，比如 \`rm\`、\`gzip\`。\`xargs\` 把输入的每一项转成命令行参数；\`-n 1\` 表示每次只传一个，\`-P 4\` 表示同时运行 4 个进程。处理文件名时始终搭配 \`-print0\` 和 \`-0\`，否则文件名里的空格会被当成分隔符。` },
    { title: '进程与网络排查', isFreePreview: false, mediaUrl: null, durationSeconds: 1020,
      bodyMd: `服务变慢、端口不通、磁盘写满……线上问题往往需要在几分钟内定位。按“整体负载 → 具体进程 → 网络 → 磁盘”的顺序排查，不容易遗漏。平均负载要结合 CPU 核数来看：4 核机器负载为 4 表示刚好满载，长期超过核数就说明任务在排队。

\`\`\`bash
uptime                             # 1/5/15 分钟平均负载
free -h && df -h                   # 内存与磁盘使用情况
top -o %CPU                        # 按 CPU 排序，按 M 改为按内存排序

pgrep -af node                     # 按名称查找进程及完整命令行
ls /proc/12345/fd | wc -l          # 进程打开的文件描述符数量

ss -tlnp                           # 正在监听的端口及对应进程
ss -tan state established | wc -l  # 已建立的连接数
curl -sv -o /dev/null https://zhifu.example.com/healthz
dig +short api.example.com         # 检查 DNS 解析

du -xh --max-depth=1 / 2>/dev/null | sort -h | tail
lsof +L1                           # 已删除但仍被进程占用的文件
\`\`\`

## 一个常见的坑

磁盘满了，删掉大日志文件后空间却没有释放？这是因为写日志的进程还持有文件句柄。用 \`lsof +L1\` 找到它，重启进程；或者一开始就不要删除，而是用 \`: > app.log\` 清空文件内容。` },
    { title: '编写健壮的 shell 脚本', isFreePreview: false, mediaUrl: null, durationSeconds: 1140,
      bodyMd: `把重复操作写成脚本，是提升效率最直接的方法。但 shell 脚本默认“出错了也继续跑”，一不小心就会酿成事故。每个脚本都应以严格模式开头：\`set -e\` 让失败的命令立即终止脚本，\`set -u\` 让未定义变量报错，\`set -o pipefail\` 让管道中任意一环失败都算失败。

\`\`\`bash
#!/usr/bin/env bash
set -euo pipefail

readonly BACKUP_DIR="/data/backup"
readonly KEEP_DAYS=7
target="\${BACKUP_DIR}/zhifu-$(date +%Y%m%d-%H%M%S).sql.gz"

log() { printf '[%s] %s\\n' "$(date '+%F %T')" "$*" >&2; }

cleanup() { rm -f "\${target}.tmp"; }
trap cleanup EXIT

mkdir -p "$BACKUP_DIR"
log "开始备份到 \${target}"
mysqldump --single-transaction zhifu | gzip > "\${target}.tmp"
mv "\${target}.tmp" "$target"
find "$BACKUP_DIR" -name 'zhifu-*.sql.gz' -mtime +"$KEEP_DAYS" -delete
log "备份完成"
\`\`\`

## 好习惯

1. 变量引用总是加双引号，防止空格和通配符带来的意外。
2. 先写入临时文件再 \`mv\`，保证备份文件要么完整、要么不存在。
3. 用 \`trap\` 做清理，无论脚本成功还是失败都会执行。
4. 提交前用 shellcheck 检查，它能发现大部分常见错误。` },
  ],
  'system-design-interview': [
    { title: '答题框架：系统设计四步法', isFreePreview: true, mediaUrl: 'https://media.example.com/zhifu/system-design-interview/1.mp4', durationSeconds: 720,
      bodyMd: `系统设计面试没有标准答案，面试官真正考察的是：**你能否在有限时间内，把一个模糊的问题拆解清楚，并讲明白每个决策的权衡**。

| 步骤 | 时间（45 分钟） | 产出 |
| --- | --- | --- |
| 1. 需求澄清 | 5 分钟 | 功能列表、非功能需求 |
| 2. 容量估算 | 5 分钟 | QPS、存储量、带宽 |
| 3. 高层设计 | 15 分钟 | 架构图、核心接口、数据模型 |
| 4. 深入与扩展 | 20 分钟 | 瓶颈分析、扩展方案、容错 |

## 需求澄清要问什么

先确认核心功能（哪些必须做、哪些可以不做）、用户规模与读写比例，以及对延迟、可用性、一致性的要求。例如“设计一个短链服务”，要先问清楚：是否支持自定义短码？链接会不会过期？需不需要统计点击量？

## 常见的扣分点

1. 一上来就画架构图，没有澄清需求。
2. 堆砌技术名词，却说不清为什么要用。
3. 只讲理想情况，不讨论故障和极端流量。
4. 闷头自说自话，不和面试官确认方向。

记住：**说出权衡**比给出“完美方案”更重要。每做一个选择，都补一句“我这样选是因为……，代价是……”。` },
    { title: '容量估算：用数字支撑设计', isFreePreview: true, mediaUrl: null, durationSeconds: 840,
      bodyMd: `容量估算不需要精确，但数量级必须正确。它决定了你需要单机、主从还是分片，要不要加缓存。

| 必背数字 | 近似值 |
| --- | --- |
| 一天的秒数 | 约 10 万（86400） |
| 内存随机读 / SSD 随机读 | 约 100 纳秒 / 100 微秒 |
| 同机房网络往返 | 约 0.5 毫秒 |
| 单台 MySQL 简单查询 | 数千 QPS |
| 单台 Redis | 约 10 万 QPS |

## 示例：短链服务

假设每天新增 1 亿条短链，读写比 100:1：

1. **写 QPS**：1 亿 ÷ 10 万秒 ≈ 1000，峰值按 3 倍算约 3000。
2. **读 QPS**：平均约 10 万，峰值约 30 万，必须加缓存。
3. **存储**：每条约 500 字节，一年约 365 亿条、18TB，需要分库分表。
4. **短码长度**：62 的 7 次方约 3.5 万亿，7 位足够使用很多年。

边算边说，写下每一步的假设；算完立刻给出结论，例如“读峰值在 30 万级别，所以我会在数据库前加一层缓存”。估算的意义在于**驱动设计决策**。` },
    { title: '经典题：设计短链服务', isFreePreview: false, mediaUrl: null, durationSeconds: 1260,
      bodyMd: `短链服务把长网址映射为形如 \`https://t.example.com/Ab3xK9q\` 的短网址。它读多写少，非常适合练习缓存与 ID 生成。核心接口只有两个：\`POST /api/links\` 创建短链，\`GET /:code\` 返回 302 重定向。选 302 而不是 301，是因为 301 会被浏览器缓存，后续访问不再经过服务端，就无法统计点击量了。

| 短码方案 | 优点 | 缺点 |
| --- | --- | --- |
| 哈希长网址取前 7 位 | 同一网址结果相同 | 有冲突，需检测重试 |
| 自增 ID 转 62 进制 | 无冲突、实现简单 | 短码可被遍历猜测 |
| 预生成短码池 | 发号快 | 需要维护号池 |

\`\`\`python
ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def base62(n: int) -> str:
    if n == 0:
        return ALPHABET[0]
    out = []
    while n:
        n, r = divmod(n, 62)
        out.append(ALPHABET[r])
    return "".join(reversed(out))
\`\`\`

## 架构要点

1. **发号器**：数据库号段模式，每个实例一次领取 1000 个 ID，用完再领。
2. **读路径**：先查 Redis，未命中再查数据库并回填，热门短链命中率极高。
3. **防遍历**：对自增 ID 先做可逆混淆（如乘以大质数取模）再编码。
4. **统计**：点击事件写入消息队列异步聚合，不拖慢重定向。` },
    { title: '经典题：设计 Feed 流', isFreePreview: false, mediaUrl: null, durationSeconds: 1140,
      bodyMd: `朋友圈、微博、关注动态都是 Feed 流：用户打开首页，看到关注的人最近发布的内容。核心难点是**写扩散与读扩散的取舍**。

| 模型 | 做法 | 优点 | 缺点 |
| --- | --- | --- | --- |
| 推模式（写扩散） | 发布时写入每个粉丝的收件箱 | 读取极快 | 大 V 发布时写放大严重 |
| 拉模式（读扩散） | 读取时合并关注者的发件箱 | 写入简单 | 关注多时读取慢 |

业界常见的是**推拉结合**：普通用户发布时，异步写入所有粉丝的收件箱；粉丝数超过阈值（例如 10 万）的大 V 只写自己的发件箱；读取时合并自己的收件箱和所关注大 V 的发件箱，按时间排序返回。

\`\`\`text
inbox:{userId}   ZSET  member=postId  score=发布时间
outbox:{userId}  ZSET  member=postId  score=发布时间
post:{postId}    HASH  作者、内容、发布时间
\`\`\`

## 追问准备

- **分页**：用上一页最后一条的时间戳作游标，而不是页码。
- **收件箱长度**：只保留最近 1000 条，更早的内容回源查询。
- **删除与屏蔽**：读取时过滤，而不是去每个收件箱里删除。
- **不活跃用户**：不做推送，登录时再重建收件箱。` },
    { title: '经典题：设计秒杀系统', isFreePreview: false, mediaUrl: null, durationSeconds: 1320,
      bodyMd: `秒杀的特点是：**瞬时流量是平时的成百上千倍，而库存极少**。设计目标是不超卖、系统不崩、尽量公平。思路是层层削减流量：前端按钮防重复点击、静态资源走 CDN；网关按用户和 IP 限流、拦截机器人；服务层在 Redis 中预扣库存，售罄后直接返回；预扣成功的请求进入消息队列，由消费者按数据库能承受的速度创建订单。

\`\`\`lua
-- KEYS[1] 库存，KEYS[2] 已购用户集合，ARGV[1] 用户 id
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then
  return -2 -- 重复购买
end
if tonumber(redis.call('GET', KEYS[1]) or '0') <= 0 then
  return -1 -- 已售罄
end
redis.call('DECR', KEYS[1])
redis.call('SADD', KEYS[2], ARGV[1])
return 1
\`\`\`

Lua 脚本在 Redis 中原子执行，判断与扣减之间不会插入其他请求（集群模式下两个 key 要用 hash tag 放到同一槽位）。数据库层再用 \`UPDATE stock SET n = n - 1 WHERE item_id = ? AND n > 0\` 兜底，按影响行数判断成功与否。

## 常见追问

- **Redis 宕机**：主从加哨兵，并在数据库层兜底校验。
- **超时未支付**：延迟消息到期后取消订单、回补库存。
- **公平性**：活动前预约、排队或随机抽签。` },
    { title: '缓存设计与数据一致性', isFreePreview: false, mediaUrl: null, durationSeconds: 1020,
      bodyMd: `几乎每道系统设计题都会用到缓存，面试官也几乎一定会追问：**数据库和缓存不一致怎么办？** 最常用的是 Cache-Aside 模式：读时先查缓存，未命中再读数据库并写回缓存；写时先更新数据库，再**删除**缓存。

\`\`\`go
func GetCourse(ctx context.Context, id int64) (*Course, error) {
	key := fmt.Sprintf("course:%d", id)
	if c, err := cache.Get(ctx, key); err == nil {
		return c, nil
	}
	c, err := db.FindCourse(ctx, id)
	if err != nil {
		return nil, err
	}
	_ = cache.Set(ctx, key, c, 10*time.Minute+jitter()) // 过期时间加随机值
	return c, nil
}
\`\`\`

为什么删除而不是更新？并发写时，更新缓存的顺序可能与更新数据库的顺序不一致，留下脏数据；删除则让下一次读取重新加载最新值。

## 缓存三大问题

| 问题 | 现象 | 对策 |
| --- | --- | --- |
| 缓存穿透 | 查询不存在的数据，每次都打到数据库 | 缓存空值、布隆过滤器 |
| 缓存击穿 | 热点 key 过期瞬间大量请求涌入 | 互斥锁重建、逻辑过期 |
| 缓存雪崩 | 大量 key 同时过期或缓存宕机 | 随机过期时间、多级缓存、降级 |

Cache-Aside 只能保证**最终一致**。余额这类强一致场景直接读数据库；也可以订阅 binlog 异步删除缓存，并配合重试保证删除成功。` },
    { title: '扩展与容错：高频追问清单', isFreePreview: false, mediaUrl: null, durationSeconds: null,
      bodyMd: `高层设计讲完后，面试官常会问“如果流量再涨十倍”或“如果某个组件挂了”。提前准备好下面这些话题。

## 扩展性

- **无状态服务**：会话放进 Redis，实例可以随意水平扩展。
- **读写分离**：主库写、从库读，注意主从延迟带来的“写后读”问题。
- **分库分表**：按用户 id 等高基数字段分片，代价是跨分片查询和分布式事务。
- **异步化**：通知、统计、搜索索引等非核心路径通过消息队列解耦。

## 容错

1. **超时与重试**：所有远程调用都设超时，重试配合指数退避和幂等。
2. **熔断与降级**：下游持续失败时快速失败，返回兜底数据。
3. **限流**：宁可拒绝部分请求，也不能让系统整体被压垮。
4. **多副本与多可用区**：单机房故障时能够切换。

幂等的常见做法是给请求带上唯一的幂等键，并在数据库中加唯一索引：

\`\`\`sql
CREATE TABLE payments (
  id BIGINT PRIMARY KEY AUTO_INCREMENT,
  order_id BIGINT NOT NULL,
  idempotency_key VARCHAR(64) NOT NULL,
  amount_fen INT NOT NULL,
  UNIQUE KEY uk_idem (idempotency_key)
);
\`\`\`

面试最后一两分钟，主动回顾：满足了哪些需求，还有哪些已知不足，有更多时间会如何改进。` },
  ],
  'programmer-career-growth': [
    { title: '从初级到资深：工程师的能力模型', isFreePreview: true, mediaUrl: null, durationSeconds: 600,
      bodyMd: `很多人以为“写代码越来越快”就是成长。实际上，不同级别的工程师被期待解决的是**不同范围的问题**。

| 级别 | 典型职责 | 影响范围 |
| --- | --- | --- |
| 初级 | 在指导下完成明确的任务 | 单个功能 |
| 中级 | 独立负责模块，从需求到上线 | 一个模块 |
| 高级 | 主导技术方案，解决系统性问题 | 一个系统或团队 |
| 资深/专家 | 制定技术方向，推动跨团队改进 | 多个团队 |

## 三个维度的成长

1. **技术深度**：不仅会用框架，还理解原理和边界，能解决别人解决不了的问题。
2. **工程素养**：可测试、可观测、可维护，考虑上线、回滚和故障处理。
3. **协作影响**：能把复杂问题讲清楚，推动他人一起把事情做成。

## 给自己做一次诊断

- 最近半年解决的最难的问题是什么？换别人来做，结果会有什么不同？
- 你负责的模块出了问题，大家第一个想到的是不是你？
- 你有没有推动过一件“不在任务清单上、但对团队有价值”的事？

如果这几个问题很难回答，下一阶段的目标就很清楚了。` },
    { title: '如何选择技术方向', isFreePreview: false, mediaUrl: 'https://media.example.com/zhifu/programmer-career-growth/2.mp3', durationSeconds: 900,
      bodyMd: `前端、后端、客户端、基础架构、AI……方向太多，焦虑也随之而来。本课是一期音频分享，聊聊做选择时可以参考的框架。

## 兴趣、优势与市场

- **兴趣**：你是否愿意在下班后主动研究它？持续的投入来自真正的好奇心。
- **优势**：你在哪类问题上比同龄人做得更快、更好？
- **市场**：这个方向的岗位需求和长期趋势如何？

三者的交集，就是最值得投入的方向。

## T 型发展

“一竖”是在一个领域做到足够深，成为团队里这方面的第一联系人；“一横”是对相邻领域足够了解，能和上下游顺畅协作。例如后端工程师深入数据库与分布式系统，同时了解前端性能、运维部署和产品思维。

## 常见误区

1. **频繁换方向追热点**：每个方向都停留在入门水平，积累无法复利。
2. **只学不做**：看了很多教程，却没有在真实项目中解决过问题。
3. **忽视业务**：懂业务的工程师更容易做出有影响力的工作。

每半年回顾一次：我在目标方向上完成了哪些有代表性的项目？写下来，它们也是晋升答辩和面试的素材。` },
    { title: '写出让人信服的技术方案', isFreePreview: false, mediaUrl: null, durationSeconds: 1020,
      bodyMd: `一份好的技术方案，能让评审者在十分钟内理解**要解决什么问题、为什么这样做、风险在哪里**。推荐的结构是：

1. **背景与目标**：用数据说明问题，例如“支付回调超时率 2%，每天影响约 300 笔订单”。
2. **非目标**：明确这次不解决什么，避免范围蔓延。
3. **方案对比**：至少列出两个备选方案，说明取舍。
4. **详细设计**：接口、数据模型、关键流程。
5. **风险与回滚**：可能出什么问题，如何监控，如何回退。
6. **里程碑**：分阶段交付，每个阶段都能独立验证。

| 维度 | 方案 A：消息队列异步处理 | 方案 B：数据库轮询 |
| --- | --- | --- |
| 实时性 | 秒级 | 取决于轮询间隔 |
| 复杂度 | 需要引入和运维 MQ | 实现简单 |
| 扩展性 | 好 | 数据量大时数据库压力大 |
| 结论 | 推荐，团队已有 MQ 运维经验 | 作为降级方案保留 |

## 写作技巧

- 先写结论再写论证，评审者最关心“你建议怎么做”。
- 多用时序图、架构图，代替大段文字描述。
- 评审前找一两位同事预审，提前消化主要反对意见。
- 评审后记录结论和遗留问题，方案文档就是最好的技术沉淀。` },
    { title: '晋升答辩准备', isFreePreview: false, mediaUrl: null, durationSeconds: 840,
      bodyMd: `晋升答辩不是工作汇报，而是**证明你已经在以更高级别的标准工作**。评委关心的不是你做了多少事，而是做成了什么、体现了什么能力。讲项目时推荐用 STAR 结构：

| 要素 | 内容 | 示例 |
| --- | --- | --- |
| 情境 S | 背景与挑战 | 课程详情页首屏 4 秒，转化率持续下降 |
| 任务 T | 你的职责与目标 | 作为负责人，目标是首屏 1.5 秒内 |
| 行动 A | 关键决策 | 定位瓶颈、合并接口、权衡 SSR 与缓存 |
| 结果 R | 量化成果 | 首屏 1.2 秒，购买转化率提升 8% |

选择两到三个最能体现**目标级别能力**的项目，宁缺毋滥。

## 答辩现场

1. 严格按规定时长准备，提前完整演练三遍以上。
2. 突出个人贡献，多说“我判断”“我推动”，少说笼统的“我们做了”。
3. 主动讲反思：哪些地方做得不够好，下次会怎样改进。

## 应对提问

听不懂问题时先复述确认；遇到不会的问题坦诚说明，并给出思考方向。提前准备高频问题，如“这个项目换成别人做会有什么不同？”。答辩只是结果的呈现，真正的准备在平时：持续记录有代表性的工作和数据，材料自然水到渠成。` },
  ],
};
