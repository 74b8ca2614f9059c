/**
 * The one source of xlp's process exit codes: number, constant name, the `error.code` values that
 * carry it under --json, a one-line meaning for help texts and a fuller one for the docs. Every
 * command's help, docs/exit-codes.md and the README's table are generated from this table
 * (src/ui/exit-codes.ts; `npm run docs`), and a test holds the documents to it.
 * Stable: scripts depend on these numbers, so they are never renumbered.
 */
export const EXIT_CODES = [
  {
    code: 0,
    key: 'OK',
    errorCodes: [],
    help: 'success (also when nothing needed doing)',
    meaning: 'success, including "nothing to do" (applying an applied payload, reverting a reverted one)',
  },
  {
    code: 1,
    key: 'FAILED',
    errorCodes: ['failed', 'tool-failed', 'internal'],
    help: 'the operation failed',
    meaning: 'the operation failed for another reason; the message says which',
  },
  {
    code: 2,
    key: 'USAGE',
    errorCodes: ['usage', 'config-invalid'],
    help: 'usage error: bad flag, name, path, setting or file argument',
    meaning: 'bad command line or environment: unknown flag, invalid name, unusable path or setting, file argument missing, a directory, unreadable',
  },
  {
    code: 3,
    key: 'HOST_UNSUPPORTED',
    errorCodes: ['host-unsupported', 'tool-missing'],
    help: 'host cannot live-patch: not a dom0, not root, tools missing',
    meaning: 'this host cannot live-patch: not a Xen dom0, not root, xen-livepatch/xl missing, Xen built without livepatch',
  },
  {
    code: 4,
    key: 'REJECTED',
    errorCodes: ['rejected', 'hook-veto'],
    help: 'the hypervisor refused the payload (or would: pre-flight)',
    meaning: "the hypervisor refused the payload (or xlp's pre-flight knows it would): build-id mismatch, duplicate name or build-id, malformed for Xen, a payload hook vetoed the action",
  },
  {
    code: 5,
    key: 'BUSY',
    errorCodes: ['busy', 'in-progress', 'incomplete', 'busy-timeout'],
    help: 'the hypervisor was still busy when --timeout ran out',
    meaning: 'the hypervisor was still busy when `--timeout` ran out',
  },
  {
    code: 6,
    key: 'WRONG_STATE',
    errorCodes: ['wrong-state', 'not-top', 'sync-blocked'],
    help: 'wrong state (e.g. revert of a payload not on top of the stack)',
    meaning: "the payload's state forbids it: unload of an applied payload, revert of a payload that is not the top of the applied stack",
  },
  {
    code: 7,
    key: 'NOT_FOUND',
    errorCodes: ['not-found'],
    help: 'no payload of that name is loaded',
    meaning: 'no payload of that name is loaded',
  },
  {
    code: 8,
    key: 'INVALID_PAYLOAD',
    errorCodes: ['invalid-payload', 'payload-rejected-by-xen', 'sha256-mismatch', 'signature-*'],
    help: "the payload file failed xlp's checks (ELF, size, sha256, signature)",
    meaning: "the file failed xlp's own checks: empty, over 2 MiB, not ELF, corrupt, refused by Xen's rules, checksum or signature mismatch",
  },
  {
    code: 9,
    key: 'AUDIT',
    errorCodes: ['lock-timeout', 'lock-unusable', 'audit-*'],
    help: 'audit journal or host lock unusable: nothing was changed',
    meaning: 'the audit journal or the host lock could not be used; nothing was changed (or, when the message says so, the change was made but its outcome could not be recorded)',
  },
  {
    code: 10,
    key: 'REMOTE',
    errorCodes: ['remote-*', 'ssh-*', 'stage-*'],
    help: 'the remote host could not be reached over ssh',
    meaning: 'the ssh connection failed: unreachable, authentication refused, host key changed, timeout',
  },
  {
    code: 11,
    key: 'DRIFT',
    errorCodes: ['drift'],
    help: 'check: the host does not carry what the manifest says',
    meaning: '`xlp check`: the host drifted from the manifest (a payload missing, in another state or order, other bytes, or loaded without being named); the JSON lists each difference',
  },
  {
    code: 12,
    key: 'ROLLBACK_FAILED',
    errorCodes: ['rollback-failed'],
    help: 'failed, and undoing it failed too: the host was left changed',
    meaning: 'the operation failed and its rollback failed too: the host was left changed; the message and `rollback` (JSON, journal) say in which state',
  },
  {
    code: 13,
    key: 'UNVERIFIED',
    errorCodes: ['unverified'],
    help: 'xlp cannot vouch for the loaded payload: it did not upload those bytes',
    meaning:
      'xlp cannot vouch for the bytes loaded under that name (uploaded with the raw tool, by another machine, or no longer matching its record), so it will not apply or replace them; unload and load the payload with xlp, or pass --accept-unverified (journaled)',
  },
  {
    code: 14,
    key: 'PROBE_FAILED',
    errorCodes: ['probe-failed'],
    help: 'sync: a health probe failed and its payload was reverted',
    meaning: '`xlp sync`: a health probe failed after an apply; that payload and everything the sync applied above it were reverted, and the sync stopped (the journal keeps the probe\'s output)',
  },
  {
    code: 15,
    key: 'UNLISTED_BUILD',
    errorCodes: ['unlisted-build'],
    help: "the manifest lists nothing for the host's hypervisor build-id",
    meaning: "the manifest has no entry for the running hypervisor's build-id (the host booted another Xen): plan shows no step, sync changes nothing, check reports it",
  },
  {
    code: 16,
    key: 'MANIFEST_INVALID',
    errorCodes: ['manifest-invalid', 'manifest-*'],
    help: 'the manifest is invalid (file:line:col says where); nothing was changed',
    meaning: 'the manifest could not be used: a syntax error, an unknown key, a missing or wrong sha256, a duplicate name, a missing file, a stack order the payloads\' depends contradict; the message names file, line and column; nothing was changed',
  },
  {
    code: 17,
    key: 'PLAN_STALE',
    errorCodes: ['plan-stale'],
    help: 'sync --plan: the host is no longer in the state the plan started from',
    meaning: '`xlp sync --plan`: the saved plan was computed from a live state that is no longer the host\'s; nothing was changed; plan again',
  },
  {
    code: 18,
    key: 'BOOT_HELD_BACK',
    errorCodes: ['boot-held-back'],
    help: 'boot: a kept payload was held back (bytes changed, crash-loop guard)',
    meaning:
      "`xlp boot`: a kept payload was not re-applied, nor anything above it: its bytes in the host's store no longer match their sha256 (refused), or the crash-loop guard holds it back because the host went down soon after it was applied; the stack below it was re-applied; the journal's boot record and `xlp status` say which and why",
  },
  {
    code: 19,
    key: 'BOOT_TIMEOUT',
    errorCodes: ['boot-timeout'],
    help: 'boot: --boot-timeout ran out; stopped between steps',
    meaning:
      '`xlp boot`: the boot timeout (--boot-timeout, XLP_BOOT_TIMEOUT, boot.timeout) ran out: the step under way ended and was recorded, no further step started, the journal says what was re-applied; if a step itself does not end, the process exits a few seconds later and the next run resolves its open intent',
  },
  {
    code: 130,
    key: 'INTERRUPTED',
    errorCodes: ['interrupted'],
    help: 'interrupted (SIGINT, SIGTERM, SIGHUP): stopped between steps',
    meaning:
      'interrupted by SIGINT (Ctrl-C), SIGTERM or SIGHUP: the step under way (an upload, an apply the hypervisor is performing) ran to its end and was recorded, no further step was started, and a half-done change was undone (a load unloads what it uploaded); the message says what state the host was left in',
  },
] as const;

export type ExitCodeSpec = (typeof EXIT_CODES)[number];
export type ExitCodeKey = ExitCodeSpec['key'];

/** ExitCode.REJECTED === 4, and so on for every row of the table. */
export const ExitCode = Object.fromEntries(EXIT_CODES.map((spec) => [spec.key, spec.code])) as { readonly [S in ExitCodeSpec as S['key']]: S['code'] };
export type ExitCodeValue = ExitCodeSpec['code'];
