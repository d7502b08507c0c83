// One limit on downloads for the whole step: 200 tasks of 3 files each still open only a few
// connections at a time, in the order they asked.

export class DownloadPool {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit = 4) {}

  /** Runs `work` once a place is free; rejects with the signal's reason if it aborts first. */
  async run<T>(signal: AbortSignal, work: () => Promise<T>): Promise<T> {
    await this.acquire(signal);
    try {
      return await work();
    } finally {
      this.release();
    }
  }

  private acquire(signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const admit = () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        this.waiting.splice(this.waiting.indexOf(admit), 1);
        reject(signal.reason as Error);
      };
      this.waiting.push(admit);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next)
      next(); // the place passes straight to the next in line
    else this.active--;
  }
}
