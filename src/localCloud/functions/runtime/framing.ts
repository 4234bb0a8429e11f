// Length-prefixed frames between the runtime and a worker: a 4-byte big-endian length, then
// that many bytes of UTF-8 JSON. It replaces Node's IPC channel, which parses whatever a
// worker writes (a non-JSON line crashed the server; a line without end was buffered without
// bound). Here the reader knows a frame's size from its first 4 bytes and refuses one above
// its budget before holding any of it, so a worker can never make the server hold more than
// one frame's budget, nor crash it with bytes that are not a frame.
//
// The worker's side of the same format lives inside workerMain.ts (its program text must be
// self-contained); FRAME_HEADER_BYTES is the one constant both sides share.

export const FRAME_HEADER_BYTES = 4;

export class FrameError extends Error {}

export function encodeFrame(message: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(message), 'utf8');
  const head = Buffer.alloc(FRAME_HEADER_BYTES);
  head.writeUInt32BE(body.length, 0);
  return Buffer.concat([head, body]);
}

/**
 * Turns a byte stream into parsed frames. `push` throws a FrameError on the first violation
 * (too large, not JSON); the stream must then be dropped, since nothing after it can be trusted.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private need: number | undefined;

  constructor(private readonly maxFrameBytes: number) {}

  /** Bytes held while waiting for the rest of a frame (at most one frame's budget). */
  get pendingBytes(): number {
    return this.buffered;
  }

  push(chunk: Buffer): unknown[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const out: unknown[] = [];
    for (;;) {
      if (this.need === undefined) {
        if (this.buffered < FRAME_HEADER_BYTES) break;
        const head = this.take(FRAME_HEADER_BYTES);
        const length = head.readUInt32BE(0);
        if (length > this.maxFrameBytes) {
          throw new FrameError(`a frame of ${length} bytes exceeds the limit of ${this.maxFrameBytes}`);
        }
        this.need = length;
      }
      if (this.buffered < this.need) break;
      const body = this.take(this.need);
      this.need = undefined;
      try {
        out.push(JSON.parse(body.toString('utf8')) as unknown);
      } catch {
        throw new FrameError('a frame is not JSON');
      }
    }
    return out;
  }

  /** Removes the first n buffered bytes, joining chunks only once per frame. */
  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.buffered);
    const head = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length ? [rest] : [];
    this.buffered = rest.length;
    return head;
  }
}
