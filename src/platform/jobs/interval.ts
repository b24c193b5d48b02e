/**
 * Runs `run` every `intervalMs` in the background, never two runs at once in this process (a slow
 * run makes the next tick skip, not pile up). `stop()` clears the timer and waits for a run under
 * way, so shutting down never cuts one in half. Failures go to `onError`; the next tick tries again.
 */
export function everyInterval(intervalMs: number, run: () => Promise<unknown>, onError: (err: unknown) => void) {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  return {
    start() {
      timer = setInterval(() => {
        if (running) return;
        running = run()
          .then(() => undefined, onError)
          .finally(() => {
            running = null;
          });
      }, intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      await running;
    },
  };
}
