/**
 * Ctrl-C during a change must not leave it half-done. The first SIGINT only asks the operation to
 * stop at the next step boundary (the step under way, e.g. an apply the hypervisor is performing,
 * runs to its end and is recorded, and a load undoes its upload); a second SIGINT stops at once.
 * Child processes run in their own process group, so the terminal's SIGINT reaches xlp alone.
 */
import { ExitCode, XlpError } from '../errors.js';

let requested = false;

export function installInterruptHandler(onFirst: () => void): void {
  process.once('SIGINT', () => {
    requested = true;
    onFirst();
    process.once('SIGINT', () => process.exit(ExitCode.INTERRUPTED));
  });
}

export function throwIfInterrupted(): void {
  if (requested) {
    throw new XlpError('interrupted', ExitCode.INTERRUPTED, 'interrupted: stopped at a step boundary, before the next step', {
      hint: "run 'xlp status' to see where the host stands",
    });
  }
}
