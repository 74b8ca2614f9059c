import * as Flags from '@oclif/core/flags';
import { EXIT_CODES_HELP } from '../cli/exit-codes.js';
import { HostCommand, auditLogFlag, hostFlags, lockTimeoutFlag, timeoutFlag } from '../cli/host-command.js';
import { ExitCode, XlpError, asXlpError, usageError } from '../src/errors.js';
import { MAX_WAIT_SECONDS } from '../src/config/settings.js';
import type { BootResult } from '../src/model/results.js';
import { bootEvent, bootFailure, bootHost } from '../src/ops/boot/boot.js';
import { readBootFacts } from '../src/ops/boot/facts.js';
import { killSwitch } from '../src/ops/boot/kill-switch.js';
import { renderBoot } from '../src/ui/boot-render.js';

/** After the timeout's stop request, how long a step under way may take to end before the process exits anyway. */
const GRACE_MS = 10_000;

export default class Boot extends HostCommand {
  static override summary = 'Re-apply, at boot, what the last sync left on this host for the running hypervisor build.';
  static override description = `Run on the dom0 itself when it starts (the systemd unit xlp-boot.service runs it: xlp boot enable). Reads what the last successful xlp sync kept on this host for the running hypervisor's build-id (/var/lib/xlp/desired/<build-id>.json) and re-applies it in stack order from the host's own store (/var/lib/xlp/payloads/<sha256>, each checked against its sha256 again), in one session journaled and rolled back like a sync. A build-id nothing was kept for (the host booted a new hypervisor) applies nothing and exits 0. Applies nothing either when the kill switch is on: xlp.enable=0 on the kernel command line, or the file /etc/xlp/boot-disabled. A payload whose kept bytes changed, or that the crash-loop guard holds back (the host went down within --guard-window of applying it), is not applied, nor anything above it: exit 18, the stack below is applied. Bounded by --boot-timeout (exit 19). Every decision is journaled and shown by xlp status. See docs/boot.md.

${EXIT_CODES_HELP}`;
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --boot-timeout 60 --json'];
  static override flags = {
    ...hostFlags,
    ...timeoutFlag,
    ...auditLogFlag,
    ...lockTimeoutFlag,
    'boot-timeout': Flags.integer({ min: 1, max: MAX_WAIT_SECONDS, env: 'XLP_BOOT_TIMEOUT', summary: 'Seconds boot may take; then it stops between steps (exit 19) (default: 120).', helpGroup: 'BOOT' }),
    'guard-window': Flags.integer({ min: 0, max: MAX_WAIT_SECONDS, env: 'XLP_BOOT_GUARD_WINDOW', summary: 'The crash-loop guard window: an apply the host went down within this many seconds of is held back (default: 600).', helpGroup: 'BOOT' }),
  };

  async run(): Promise<BootResult> {
    const { flags } = await this.parse(Boot);
    const settings = this.settings(flags);
    if (settings.get('host.host')?.value !== undefined) throw usageError('xlp boot runs on the host it re-applies on (it reads that boot\'s /proc/cmdline and boot time): --host is not for it', 'run it on the dom0 (the unit does: xlp boot enable --host installs it there)');
    const places = this.places(flags);
    const journal = await this.journal(flags, places);
    const facts = await readBootFacts(places.proc);
    const argv = process.argv.slice(2);
    const disabled = await killSwitch(facts.cmdline);
    if (disabled !== undefined) {
      const backend = await this.connectHost(flags, places);
      const result: BootResult = { host: backend.host, xenBuildId: '', outcome: 'disabled', reason: `the kill switch is on: ${disabled}: nothing applied`, kept: [], reapplied: [], heldBack: [], steps: [] };
      await journal.boot(bootEvent(argv, result));
      this.log(renderBoot(result));
      return result;
    }
    const timeoutMs = settings.get('boot.timeout').value * 1000;
    let timedOut = false;
    // The stop request a signal would make (the step under way ends, none starts), then, if a step
    // never ends, an exit: boot must never hold the host's start-up.
    const stop = setTimeout(() => {
      timedOut = true;
      this.notice(`boot ran past its timeout of ${timeoutMs / 1000} s: stopping after the current step`);
      process.kill(process.pid, 'SIGTERM');
    }, timeoutMs);
    const kill = setTimeout(() => {
      this.notice(`boot timeout: the step under way did not end within ${GRACE_MS / 1000} s of the stop request: exiting; the next xlp run resolves it from the journal`);
      process.exit(ExitCode.BOOT_TIMEOUT);
    }, timeoutMs + GRACE_MS);
    kill.unref();
    let host = 'localhost';
    try {
      const result = await this.withSession({ ...flags, quiet: flags.quiet, 'dry-run': false }, (session) => {
        host = session.backend.host;
        return bootHost(session, { facts, guardWindowSeconds: settings.get('boot.guardWindow').value });
      });
      const failure = bootFailure(result);
      await journal.boot(bootEvent(argv, result, failure));
      this.log(renderBoot(result));
      if (failure !== undefined) {
        this.notice(failure.message);
        process.exitCode = failure.exitCode;
      }
      return result;
    } catch (error) {
      const failure = timedOut ? timeoutError(timeoutMs, asXlpError(error)) : asXlpError(error);
      await journal
        .boot(bootEvent(argv, { host, xenBuildId: '', outcome: timedOut ? 'timeout' : 'failed', reason: failure.message }, failure))
        .catch((journalError: unknown) => this.notice(`the boot's failure could not be journaled: ${asXlpError(journalError).message}`));
      throw failure;
    } finally {
      clearTimeout(stop);
      clearTimeout(kill);
    }
  }
}

const timeoutError = (timeoutMs: number, cause: XlpError): XlpError =>
  new XlpError('boot-timeout', ExitCode.BOOT_TIMEOUT, `boot ran past its timeout of ${timeoutMs / 1000} s and stopped: ${cause.message}`, { hint: "'xlp status' shows what is applied; raise --boot-timeout (boot.timeout) if the host is just slow" });
