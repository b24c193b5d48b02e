/**
 * A progress bar for command-line jobs: redrawn in place on a terminal (at most ten times a
 * second), one line per stage when the output is a file or a pipe, so a log stays readable.
 */
export function progressBar(out: NodeJS.WriteStream | { isTTY?: boolean; write(s: string): unknown }, now: () => number = Date.now) {
  let stage = '';
  let lastDraw = 0;
  const width = 28;
  return {
    update(done: number, total: number, name: string): void {
      const fresh = name !== stage;
      stage = name;
      if (!out.isTTY) {
        if (fresh) out.write(`${name}…\n`);
        return;
      }
      const t = now();
      if (!fresh && done < total && t - lastDraw < 100) return;
      lastDraw = t;
      const ratio = total > 0 ? Math.min(1, done / total) : 0;
      const filled = Math.round(ratio * width);
      out.write(`\r\x1b[2K[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.round(ratio * 100)).padStart(3)}% ${name} ${done}/${total}`);
    },
    done(summary: string): void {
      out.write(out.isTTY ? `\r\x1b[2K${summary}\n` : `${summary}\n`);
    },
  };
}
