/**
 * What a runtime printed, kept within a byte cap. A runtime under test may print megabytes; the
 * head (where JSON and the first error line are) and the tail (where the last error is) are
 * kept, and the cut is marked in the text so the evidence says what was dropped.
 */
export class CappedOutput {
  readonly #head: Buffer[] = [];
  #headBytes = 0;
  readonly #tail: Buffer[] = [];
  #tailBytes = 0;
  #total = 0;

  constructor(
    /** Bytes kept at most: half from the start, half from the end. */
    readonly capBytes: number,
    /** Names the stream in the cut marker: "stdout", "stderr". */
    readonly label: string,
  ) {}

  push(chunk: Buffer): void {
    this.#total += chunk.length;
    const headRoom = Math.ceil(this.capBytes / 2) - this.#headBytes;
    if (headRoom > 0) {
      const taken = chunk.subarray(0, headRoom);
      this.#head.push(taken);
      this.#headBytes += taken.length;
      chunk = chunk.subarray(taken.length);
      if (chunk.length === 0) return;
    }
    this.#tail.push(chunk);
    this.#tailBytes += chunk.length;
    const tailCap = Math.floor(this.capBytes / 2);
    while (this.#tailBytes - (this.#tail[0]?.length ?? 0) >= tailCap) this.#tailBytes -= this.#tail.shift()!.length;
  }

  get truncated(): boolean {
    return this.#total > this.capBytes;
  }

  text(): string {
    const head = Buffer.concat(this.#head).toString('utf8');
    if (!this.truncated) return head + Buffer.concat(this.#tail).toString('utf8');
    const tail = Buffer.concat(this.#tail);
    const kept = tail.subarray(Math.max(0, tail.length - Math.floor(this.capBytes / 2)));
    const cut = this.#total - this.#headBytes - kept.length;
    return `${head}\n[rtconform cut ${cut} bytes of ${this.label} here: ${this.#total} bytes in all, ${this.capBytes} kept]\n${kept.toString('utf8')}`;
  }
}
