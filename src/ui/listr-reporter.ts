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
      const { Listr, ListrLogger, ProcessOutput } = await import('listr2');
      const logger = new ListrLogger({ processOutput: new ProcessOutput(process.stderr, process.stderr), ...(style === 'ascii' ? { icon: ASCII_ICONS } : {}) });
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
          rendererOptions: { logger, showErrorMessage: false, formatOutput: 'wrap' },
          fallbackRendererOptions: { logger },
          collectErrors: false,
        },
      );
      await list.run();
      return value as T;
    },
  };
}
