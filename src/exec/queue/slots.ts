/**
 * The agent's trial slots: `count` of them, each holding one GPU when GPUs are given. Claimed
 * and released synchronously (one event loop), so two jobs never get the same GPU.
 */
export class SlotPool {
  private readonly free: number[];
  constructor(
    private readonly count: number,
    private readonly gpus?: readonly string[],
  ) {
    this.free = Array.from({ length: count }, (_, i) => i);
  }

  /** A free slot and its GPU, or undefined when all are busy. */
  claim(): { slot: number; gpu?: string } | undefined {
    const slot = this.free.shift();
    if (slot === undefined) return undefined;
    return { slot, gpu: this.gpus?.[slot] };
  }

  release(slot: number): void {
    if (!this.free.includes(slot)) this.free.push(slot);
    this.free.sort((a, b) => a - b);
  }

  /** Every slot and its GPU, busy or not. */
  all(): { slot: number; gpu?: string }[] {
    return Array.from({ length: this.count }, (_, slot) => ({ slot, gpu: this.gpus?.[slot] }));
  }

  get available(): number {
    return this.free.length;
  }
}
