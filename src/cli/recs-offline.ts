import { progressBar } from '../platform/progress.js';
import { csvRow, engineRecommender, parseFlags, readOfflineData, required, runCli, wholeNumber, writeOutput } from '../modules/recommendations/offline/index.js';

// npm run recs:offline -- --train train.csv [--items items.csv] [--k 10] [--out recs.csv|-]
// Trains the product's engine on a CSV of purchases and writes every learner's top k, so a model
// can be checked against data from outside the shop (or compared with another tool's output).
// Progress and the summary go to stderr: stdout, when it is the output, carries only CSV.

const USAGE = 'usage: npm run recs:offline -- --train train.csv [--items items.csv] [--k 10] [--out recs.csv|-]';

await runCli(USAGE, async () => {
  const flags = parseFlags({ train: { type: 'string' }, items: { type: 'string' }, k: { type: 'string' }, out: { type: 'string' } });
  const trainPath = required(flags.train, 'train');
  const k = wholeNumber(flags.k, 'k', 10, { min: 1 });
  const started = performance.now();
  const data = await readOfflineData(trainPath, flags.items);
  const bar = progressBar(process.stderr);
  const model = await engineRecommender().train(data, (done, total, stage) => bar.update(done, total, stage));
  const out = [csvRow(['user_id', 'item_id', 'rank'])];
  const users = [...new Set(data.interactions.map((x) => x.user))];
  let rows = 0;
  users.forEach((user, n) => {
    model.recommend(user, k).forEach((item, r) => {
      out.push(csvRow([user, item, r + 1]));
      rows++;
    });
    if (n % 1000 === 0 || n === users.length - 1) bar.update(n + 1, users.length, 'ranking');
  });
  await writeOutput(flags.out, out.join(''));
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  bar.done(`${data.interactions.length} interactions, ${users.length} learners, ${data.items.length} courses: ${rows} recommendations (k ${k}) in ${seconds} s`);
});
