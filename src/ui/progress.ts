/**
 * Stage-by-stage progress for operations that change a hypervisor. Progress goes to stderr only,
 * so stdout stays clean for --json and pipes; listr2 is loaded only when something is shown.
 */
import { throwIfInterrupted } from '../util/interrupt.js';

export type ProgressMode = 'silent' | 'simple' | 'animated';

export interface Stage {
  readonly title: string;
  /** The stage changes the host: an interrupt (Ctrl-C) stops the run before it, never during it. */
  readonly changesHost?: boolean;
  run(note: (message: string) => void): Promise<void>;
}

/** --json or --quiet hide progress; an animated view only for a person at a terminal. */
export function progressMode(options: { quiet: boolean }): ProgressMode {
  if (options.quiet) return 'silent';
  const ci = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';
  return process.stderr.isTTY === true && !ci ? 'animated' : 'simple';
}

/**
 * Runs stages in order; the first failure stops the rest and is rethrown unchanged. An interrupt
 * (Ctrl-C) is honoured before a stage that changes the host, never inside one.
 */
export async function runStages(stages: readonly Stage[], mode: ProgressMode): Promise<void> {
  if (mode === 'silent') {
    for (const stage of stages) {
      if (stage.changesHost === true) throwIfInterrupted();
      await stage.run(() => {});
    }
    return;
  }
  const { Listr, ListrLogger, ProcessOutput } = await import('listr2');
  const processOutput = new ProcessOutput(process.stderr, process.stderr);
  const logger = new ListrLogger({ processOutput });
  const list = new Listr(
    stages.map((stage) => ({
      title: stage.title,
      task: (_ctx: unknown, task: { output: string }) => {
        if (stage.changesHost === true) throwIfInterrupted();
        return stage.run((message) => {
          task.output = message;
        });
      },
    })),
    {
      concurrent: false,
      exitOnError: true,
      registerSignalListeners: false,
      renderer: mode === 'animated' ? 'default' : 'simple',
      fallbackRenderer: 'simple',
      rendererOptions: { logger },
      fallbackRendererOptions: { logger },
      collectErrors: false,
    },
  );
  await list.run();
}
