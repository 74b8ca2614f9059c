/**
 * Health probes after an apply (sync): each runs on the host, bounded by its timeout, and is kept
 * with the change (the journal records its output). The first that fails fails the change, whose
 * rollback then reverts the payload.
 */
import { ExitCode, XlpError } from '../../errors.js';
import type { Probe } from '../../model/desired.js';
import type { ProbeRun } from '../../model/results.js';
import { commandLine, printable } from '../../model/text.js';
import type { Step } from '../step.js';

export async function runProbes(step: Step, probes: readonly Probe[]): Promise<void> {
  for (const probe of probes) {
    const run = await step.check(`Probe ${step.name}: ${commandLine(probe.argv)}`, async (report) => {
      const done = await step.session.backend.probe(probe.argv, probe.timeoutSeconds * 1000);
      report.note(`${verdict(done, probe)} in ${done.durationMs} ms`);
      return done;
    });
    step.probed(run);
    if (!passed(run)) throw probeFailed(step.name, run, probe);
  }
}

const passed = (run: ProbeRun): boolean => run.exitCode === 0 && !run.timedOut;

function verdict(run: ProbeRun, probe: Probe): string {
  if (run.timedOut) return `timed out after ${probe.timeoutSeconds} s`;
  return run.exitCode === null ? 'could not run' : `exit ${run.exitCode}`;
}

function probeFailed(name: string, run: ProbeRun, probe: Probe): XlpError {
  const said = (run.stderr.trim().split('\n').at(-1) ?? '') || (run.stdout.trim().split('\n').at(-1) ?? '');
  return new XlpError('probe-failed', ExitCode.PROBE_FAILED, `the health probe of ${name} failed (${verdict(run, probe)}): ${commandLine(probe.argv)}${said === '' ? '' : `: ${printable(said, 200)}`}`, {
    hint: `the journal keeps the probe's output: xlp audit log --name ${name}`,
  });
}
