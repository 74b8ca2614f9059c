/** What a fake tool printed, in order: the real tools write stdout unbuffered, interleaved with stderr. */
export interface FakeChunk {
  readonly stream: 'stdout' | 'stderr';
  readonly text: string;
}

export interface FakeResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
  /** Both streams in the order they were written, for a terminal-faithful replay. */
  readonly chunks: readonly FakeChunk[];
}

export class ToolOutput {
  private readonly chunks: FakeChunk[] = [];

  out(text: string): void {
    this.chunks.push({ stream: 'stdout', text });
  }

  err(text: string): void {
    this.chunks.push({ stream: 'stderr', text });
  }

  finish(exitCode: number): FakeResult {
    const join = (stream: FakeChunk['stream']): string =>
      this.chunks
        .filter((c) => c.stream === stream)
        .map((c) => c.text)
        .join('');
    return { stdout: join('stdout'), stderr: join('stderr'), exitCode, chunks: [...this.chunks] };
  }
}

/** printf's %-Ns: pads to N *bytes*, never truncates. */
export const padBytes = (text: string, width: number): string =>
  text + ' '.repeat(Math.max(0, width - Buffer.byteLength(text, 'utf8')));
