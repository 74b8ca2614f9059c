/**
 * How a session shows its progress. The operations only speak to this interface; the CLI gives them
 * listr2 on stderr (src/ui/listr-reporter.ts), --json and --quiet a silent one, the tests a recorder.
 */
export interface StageReport {
  /** A fact worth keeping on screen after the stage ends (a sha256, the checks that passed). */
  note(message: string): void;
}

export interface Reporter {
  /** Runs one stage under its title; its failure is shown as the stage's and rethrown unchanged. */
  stage<T>(title: string, run: (report: StageReport) => Promise<T>): Promise<T>;
  /** A message for the operator outside any stage, on stderr even when progress is silent (an interrupt acknowledged). */
  notice(message: string): void;
}

/** Shows no progress; notices still reach `notice` (the operator must hear that a stop was asked for). */
export const silentReporter = (notice: (message: string) => void): Reporter => ({
  stage: (_title, run) => run({ note: () => {} }),
  notice,
});
