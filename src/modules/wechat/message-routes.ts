import express, { Router, type Request, type Response } from 'express';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { Knex } from 'knex';
import type { Clock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import type { CourseCard, CourseService, PickedCourse } from '../catalog/index.js';
import type { EventSink } from '../analytics/index.js';
import { decryptMessage, encryptMessage, verifyMsgSignature, verifyWechatQuerySignature, wechatSignature } from './wechat-crypto.js';

const MAX_BODY = '64kb';
/** Every link we send carries this, so analytics can credit visits to the Official Account. */
/** Links in the Official Account's replies say where the visit came from (see analytics). */
export const OA_TRACKING = 'utm_source=wechat_oa&utm_medium=reply';

// No entities, no DOCTYPE processing: an XML bomb is just text here.
const parser = new XMLParser({ processEntities: false, htmlEntities: false, ignoreDeclaration: true, ignoreAttributes: true, parseTagValue: false, trimValues: true });

type Incoming = Record<string, string | undefined>;

/**
 * WeChat's documented limit for a passive text reply is 2048 bytes of UTF-8; a news reply to a
 * user's message may carry one article only, so a second course needs a text reply with links.
 */
const TEXT_REPLY_MAX_BYTES = 2048;

/** Text in a text reply is shown as is, except `<a href>`: a title must not turn into a link. */
const plain = (s: string) => s.replace(/</g, '＜').replace(/>/g, '＞');

/**
 * The course and one course its learners also took, as a text reply with both links. The longest
 * titles and summary the columns hold fit the limit (tested); should a column ever grow, the
 * summary goes first, then the second course.
 */
function courseWithAlsoStudied(course: { title: string; summary: string; url: string }, also: { title: string; url: string }): string | null {
  const build = (summary: string) =>
    `《${plain(course.title)}》\n${summary === '' ? '' : `${summary}\n`}<a href="${course.url}">查看课程</a>\n\n学了这门课的人还学了《${plain(also.title)}》\n<a href="${also.url}">去看看</a>`;
  const fits = (s: string) => Buffer.byteLength(s, 'utf8') <= TEXT_REPLY_MAX_BYTES;
  const full = build(plain(course.summary.trim()));
  if (fits(full)) return full;
  const short = build('');
  return fits(short) ? short : null;
}

function cdata(s: string): string {
  return `<![CDATA[${s.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;
}

/** SQLite and MySQL report a duplicate key differently; both mean "already answered". */
function isDuplicateKey(err: unknown): boolean {
  const e = err as { code?: string };
  return e?.code === 'ER_DUP_ENTRY' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE';
}

/**
 * True for the first delivery of a message, in whichever process gets it. A plain insert on the
 * primary key rather than platform insertIfAbsent: that helper reads MySQL's insertId, which is 0 for
 * a table without an auto-increment column even when the row was written, so every message looked
 * like a repeat on MySQL.
 */
async function firstDelivery(db: Knex, key: string, now: Date): Promise<boolean> {
  try {
    await db('wechat_message_receipts').insert({ message_key: key, received_at: now });
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}

function parseXml(xml: string): Incoming | null {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml) || XMLValidator.validate(xml) !== true) return null;
  const doc = parser.parse(xml) as { xml?: Record<string, unknown> };
  if (!doc.xml || typeof doc.xml !== 'object') return null;
  return Object.fromEntries(Object.entries(doc.xml).map(([k, v]) => [k, typeof v === 'string' || typeof v === 'number' ? String(v) : undefined]));
}

export function messageRoutes(deps: {
  db: Knex;
  clock: Clock;
  log: Logger;
  courses: CourseService;
  appid: string;
  token: string;
  encodingAesKey: string | null;
  publicUrl: string;
  /** Menu clicks and keyword replies, for the dashboard's view of the Official Account. */
  events: EventSink;
  /** Courses learners of a course also took; without it a keyword gets the course alone. */
  alsoStudied?: (courseId: number, openid: string) => Promise<{ items: PickedCourse[] }>;
}): Router {
  const router = Router();
  const track = (path: string) => `${deps.publicUrl}${path}${path.includes('?') ? '&' : '?'}${OA_TRACKING}`;

  /** The first course that learners of `courseId` really also took; null when none. */
  async function alsoTaken(courseId: number, openid: string): Promise<CourseCard | null> {
    if (!deps.alsoStudied) return null;
    // 'also': learners really took both, which is what the reply's sentence claims.
    return (await deps.alsoStudied(courseId, openid)).items.find((p) => p.reasonKind === 'also')?.card ?? null;
  }

  /** The reply to one message: welcome on subscribe, a course for a keyword, otherwise nothing. */
  async function reply(m: Incoming): Promise<string | null> {
    const to = m.FromUserName ?? '';
    const from = m.ToUserName ?? '';
    const now = Math.floor(deps.clock.now().getTime() / 1000);
    const head = `<ToUserName>${cdata(to)}</ToUserName><FromUserName>${cdata(from)}</FromUserName><CreateTime>${now}</CreateTime>`;
    if (m.MsgType === 'event' && m.Event === 'subscribe') {
      const text = `欢迎关注！这里有精选编程课程，微信里买，随时随地学。\n\n浏览课程：${track('/')}\n我的课程：${track('/me/courses')}\n\n回复课程名称中的关键词（如 React、Go）可以直接找到课程。`;
      return `<xml>${head}<MsgType>${cdata('text')}</MsgType><Content>${cdata(text)}</Content></xml>`;
    }
    if (m.MsgType === 'event' && (m.Event === 'VIEW' || m.Event === 'CLICK')) {
      deps.events.track('oa_menu_click', {});
      return null;
    }
    if (m.MsgType === 'text' && m.Content) {
      const course = await deps.courses.bestMatch(m.Content.trim());
      if (!course) return null;
      deps.events.track('oa_message_reply', { courseId: course.id });
      const also = await alsoTaken(course.id, to);
      const text = also && courseWithAlsoStudied({ title: course.title, summary: course.summary, url: track(`/courses/${course.slug}`) }, { title: also.title, url: track(`/courses/${also.slug}`) });
      if (text) return `<xml>${head}<MsgType>${cdata('text')}</MsgType><Content>${cdata(text)}</Content></xml>`;
      const item = `<item><Title>${cdata(course.title)}</Title><Description>${cdata(course.summary)}</Description><PicUrl>${cdata(course.coverUrl.startsWith('http') ? course.coverUrl : deps.publicUrl + course.coverUrl)}</PicUrl><Url>${cdata(track(`/courses/${course.slug}`))}</Url></item>`;
      return `<xml>${head}<MsgType>${cdata('news')}</MsgType><ArticleCount>1</ArticleCount><Articles>${item}</Articles></xml>`;
    }
    return null;
  }

  function send(res: Response, xml: string | null, encrypted: boolean) {
    if (xml === null) return res.type('text/plain').send('success');
    if (!encrypted || !deps.encodingAesKey) return res.type('application/xml').send(xml);
    const enc = encryptMessage(deps.encodingAesKey, deps.appid, xml);
    const ts = String(Math.floor(deps.clock.now().getTime() / 1000));
    const nonce = String(Math.floor(Math.random() * 1e9));
    const sig = wechatSignature(deps.token, ts, nonce, enc);
    res.type('application/xml').send(`<xml><Encrypt>${cdata(enc)}</Encrypt><MsgSignature>${cdata(sig)}</MsgSignature><TimeStamp>${ts}</TimeStamp><Nonce>${cdata(nonce)}</Nonce></xml>`);
  }

  const query = (req: Request) => req.query as Record<string, string | undefined>;

  router.get('/wechat', (req, res) => {
    const q = query(req);
    if (!verifyWechatQuerySignature(deps.token, q)) return res.status(401).type('text/plain').send('invalid signature');
    res.type('text/plain').send(q.echostr ?? '');
  });

  router.post('/wechat', express.text({ type: () => true, limit: MAX_BODY }), async (req, res) => {
    const q = query(req);
    if (!verifyWechatQuerySignature(deps.token, q)) return res.status(401).json({ code: 'SIGN_ERROR', message: '签名无效' });
    const body = typeof req.body === 'string' ? req.body : '';
    let outer = parseXml(body);
    if (!outer) return res.status(400).json({ code: 'BAD_XML', message: '消息格式不正确' });
    const encrypted = q.encrypt_type === 'aes';
    if (encrypted) {
      if (!deps.encodingAesKey || !outer.Encrypt) return res.status(400).json({ code: 'BAD_MESSAGE', message: '缺少加密内容' });
      if (!verifyMsgSignature(deps.token, q, outer.Encrypt)) return res.status(401).json({ code: 'SIGN_ERROR', message: 'msg_signature 无效' });
      let inner;
      try {
        inner = decryptMessage(deps.encodingAesKey, outer.Encrypt);
      } catch {
        return res.status(400).json({ code: 'BAD_MESSAGE', message: '无法解密' });
      }
      if (inner.appid !== deps.appid) return res.status(401).json({ code: 'APPID_MISMATCH', message: 'appid 不匹配' });
      outer = parseXml(inner.message);
      if (!outer) return res.status(400).json({ code: 'BAD_XML', message: '消息格式不正确' });
    }
    // WeChat retries what it did not hear back about: answer each message once, in any process.
    const key = outer.MsgId ? `msg:${outer.MsgId}` : `evt:${outer.FromUserName ?? ''}:${outer.CreateTime ?? ''}:${outer.Event ?? ''}`;
    const now = deps.clock.now();
    if (!(await firstDelivery(deps.db, key.slice(0, 128), now))) {
      return res.type('text/plain').send('success');
    }
    await deps.db('wechat_message_receipts').where('received_at', '<', new Date(now.getTime() - 10 * 60_000)).delete();
    try {
      send(res, await reply(outer), encrypted);
    } catch (err) {
      deps.log.error({ event: 'wechat.message_failed', err }, 'could not answer a message');
      res.type('text/plain').send('success');
    }
  });

  return router;
}
