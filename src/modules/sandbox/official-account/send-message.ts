// `npm run wechat:send -- --from OPENID --text 课程` (or `--event subscribe`): plays WeChat's servers
// and POSTs one user message or event to the app's message server, signed (and with --encrypt, in safe
// mode encrypted) with the sandbox account's credentials, then prints the passive reply.
import { parseArgs } from 'node:util';
import { readEnvironment } from '../../../config/environment.js';
import { buildSignedRequest, newMsgId, sendMessage, type Credentials, type InboundMessage } from './message-client.js';
import { SANDBOX_OA, SANDBOX_OA_ORIGINAL_ID } from './sandbox-credentials.js';

const USAGE = `用法: npm run wechat:send -- --from OPENID (--text 内容 | --event subscribe|unsubscribe|CLICK|VIEW [--key EventKey])
  [--url http://127.0.0.1:3000/wechat] [--to gh_sandbox] [--encrypt]
凭据默认为沙箱公众号（SANDBOX_OA），可用 WECHAT_TOKEN / WECHAT_ENCODING_AES_KEY / WECHAT_APPID 覆盖。
`;

const out = (s: string) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      from: { type: 'string' },
      to: { type: 'string', default: SANDBOX_OA_ORIGINAL_ID },
      text: { type: 'string' },
      event: { type: 'string' },
      key: { type: 'string' },
      url: { type: 'string', default: 'http://127.0.0.1:3000/wechat' },
      encrypt: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    out(USAGE);
    return 0;
  }
  if (!values.from || (values.text === undefined) === (values.event === undefined)) {
    process.stderr.write(`需要 --from，以及 --text 或 --event 之一。\n${USAGE}`);
    return 2;
  }
  const env = readEnvironment();
  const credentials: Credentials = {
    token: env.WECHAT_TOKEN || SANDBOX_OA.token,
    encodingAesKey: env.WECHAT_ENCODING_AES_KEY || SANDBOX_OA.encodingAesKey,
    appid: env.WECHAT_APPID || SANDBOX_OA.appid,
  };
  const createTime = Math.floor(Date.now() / 1000);
  const message: InboundMessage =
    values.text !== undefined
      ? { kind: 'text', to: values.to, from: values.from, content: values.text, createTime, msgId: newMsgId() }
      : { kind: 'event', to: values.to, from: values.from, event: values.event!, eventKey: values.key ?? (values.event === 'subscribe' ? '' : undefined), createTime };
  const req = buildSignedRequest({ serverUrl: values.url, message, credentials, encrypt: values.encrypt });
  out(`→ POST ${req.url}${values.encrypt ? '（安全模式）' : ''}`);
  const { status, reply } = await sendMessage(req, credentials);
  out(`← HTTP ${status}${reply.encrypted ? '（加密回复，MsgSignature 校验通过）' : ''}`);
  if (reply.xml.trim() === '' || reply.xml.trim() === 'success') out('（无回复内容）');
  else out(reply.xml);
  if (reply.fields.Content !== undefined) out(`\n回复文本：${reply.fields.Content}`);
  return status >= 200 && status < 300 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`wechat:send 失败：${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
