/**
 * How xlp runs a program on a host: locally through execa, over ssh, or inside the simulator.
 * A Runner knows nothing of Xen; it runs argv arrays (never shell strings) and reports what happened.
 */

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

export interface RunOptions {
  /** Kill the program after this many milliseconds (reported as an XlpError, not a RunResult). */
  readonly timeoutMs?: number;
}

/** A private copy of payload bytes on the host that will run the tool; remove() deletes it. */
export interface StagedFile {
  readonly path: string;
  remove(): Promise<void>;
}

export interface Runner {
  /** Where programs run: 'localhost', an ssh destination, or 'sim:<state file>'. */
  readonly target: string;
  /**
   * Runs `program` with `args`. A program that cannot be started (missing, not executable) is an
   * XlpError with code 'tool-missing'; a program that ran and failed is a RunResult.
   */
  run(program: string, args: readonly string[], options?: RunOptions): Promise<RunResult>;
  /**
   * Writes `bytes` to a new private file (0600 in a 0700 directory, created exclusively) on the
   * host, named so the tool's output stays readable: `<dir>/<basename>`.
   */
  stage(bytes: Uint8Array, basename: string): Promise<StagedFile>;
  /** Releases what the runner holds for the run (e.g. an ssh ControlMaster). Safe to call twice. */
  close(): Promise<void>;
  /**
   * Removes what the killed run `run` left behind (src/util/run-id.ts): staged copies here or on the
   * remote host, an ssh control directory and the master still listening there. Returns what it removed.
   */
  removeLeftovers(run: string): Promise<string[]>;
}
