/**
 * The Reporter of a person at a terminal or of a log: each stage as a listr2 task on stderr (stdout
 * stays clean for --json and pipes), animated only on a terminal that can show it, ASCII marks where
 * the terminal or locale cannot show others. What a stage notes stays on screen after it ends; a
 * failed stage keeps its title and shows the error under it. listr2 is loaded only when used.
 */
import type { Reporter } from '../model/reporter.js';
import { escapeText } from '../model/text.js';
import type { ProgressStyle } from './progress-style.js';

/** The marks of the plain renderers on a terminal or locale without Unicode. */
const ASCII_ICONS = { STARTED: '>', COMPLETED: 'ok', FAILED: 'FAILED', SKIPPED: 'skipped', OUTPUT: '  ', TITLE: '-', ROLLBACK: 'undo', RETRY: 'retry', PROMPT: '?', PAUSED: 'paused' };

export function listrReporter(style: Exclude<ProgressStyle, 'silent'>, notice: (message: string) => void): Reporter {
  return {
    notice,
    async stage<T>(title: string, run: Parameters<Reporter['stage']>[1]): Promise<T> {
      const { Listr, ListrLogger, ListrLogLevels, ProcessOutput } = await import('listr2');
      /**
       * The plain renderer would print a failed stage as "✖ title [FAILED: message]", raw, and the
       * command then prints the error again: the stage keeps its mark and title only.
       */
      class StageLogger extends ListrLogger {
        override log(...[level, message, options]: Parameters<InstanceType<typeof ListrLogger>['log']>): void {
          super.log(level, message, level === ListrLogLevels.FAILED ? undefined : options);
        }
      }
      // The plain renderer takes its marks from its own options, whatever its logger has.
      const marks = style === 'ascii' ? { icon: ASCII_ICONS } : {};
      const logger = new StageLogger({ processOutput: new ProcessOutput(process.stderr, process.stderr), ...marks });
      let value: T | undefined;
      const list = new Listr(
        [
          {
            title: escapeText(title),
            task: async (_ctx: unknown, task: { output: string }) => {
              value = (await run({
                note: (message) => {
                  task.output = message.split('\n').map(escapeText).join('\n');
                },
              })) as T;
            },
            rendererOptions: { persistentOutput: true, outputBar: Infinity },
          },
        ],
        {
          exitOnError: true,
          registerSignalListeners: false,
          renderer: style === 'animated' ? 'default' : 'simple',
          fallbackRenderer: 'simple',
          // The failure is reported once, by the command, escaped: the stage keeps its title and its mark.
          rendererOptions: { logger, ...marks, showErrorMessage: false, formatOutput: 'wrap' },
          fallbackRendererOptions: { logger, ...marks },
          collectErrors: false,
        },
      );
      await list.run();
      return value as T;
    },
  };
}
