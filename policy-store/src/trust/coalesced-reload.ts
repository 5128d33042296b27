/**
 * A reload that coalesces bursts: at most one run in flight and one queued behind it. A call made
 * while a run is in flight is answered by the run after it (a change it was told of is never missed),
 * however many calls came meanwhile. A failing run ends the loop and is told to the `onError` of
 * the call that started it; the next call starts afresh.
 */
export class CoalescedReload {
  private running: Promise<void> | undefined;
  private stale = false;

  constructor(private readonly work: () => Promise<void>) {}

  run(onError: (error: Error) => void): Promise<void> {
    if (this.running) {
      this.stale = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.stale = false;
        try {
          await this.work();
        } catch (error) {
          onError(error as Error);
          break;
        }
      } while (this.stale);
      this.running = undefined;
    })();
    return this.running;
  }

  /** Resolves once no run is in flight. */
  async settled(): Promise<void> {
    await this.running;
  }
}
