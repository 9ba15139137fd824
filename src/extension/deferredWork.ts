// Work that can wait for what the user is waiting for. The extension's refresh (status bar,
// diagnostics) parses the whole data set and state synchronously: at 60k that is seconds in which
// the extension host answers nothing — neither the command that activated the extension nor a
// workbench page saying it is ready. So it waits: a grace period after activation (the command
// that activated the extension runs first), then until every workbench that is opening has sent its
// first map (each wait capped, so that a page that never loads does not hold the status back).
// No vscode import: unit-tested directly (test/unit/deferredWork.test.ts).

export class DeferredWork {
  private readonly holds = new Set<Promise<void>>();
  private readonly grace: Promise<void>;

  constructor(
    graceMs: number,
    private readonly capMs: number,
  ) {
    this.grace = new Promise((resolve) => setTimeout(resolve, graceMs));
  }

  /** Work waiting in whenFree also waits for `p` to settle (at most capMs). */
  hold(p: Promise<unknown>): void {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const capped = Promise.race([p, new Promise((resolve) => (timer = setTimeout(resolve, this.capMs)))]).then(
      () => undefined,
      () => undefined,
    );
    const held = capped.then(() => {
      clearTimeout(timer);
      this.holds.delete(held);
    });
    this.holds.add(held);
  }

  /** Resolves once the grace period has passed and nothing is held (holds added meanwhile are waited for too). */
  async whenFree(): Promise<void> {
    await this.grace;
    while (this.holds.size) await Promise.all([...this.holds]);
  }
}
