/** The exit-code table shown in every command's help (the README and docs/exit-codes.md say the same). */
export const EXIT_CODES_HELP = `EXIT CODES
  0    success (also when nothing needed doing)
  1    the operation failed
  2    usage error: bad flag, name or file argument
  3    this host cannot live-patch: not a Xen dom0, not root, or the tools are missing
  4    the hypervisor refused the payload (build-id mismatch, duplicate, malformed for Xen)
  5    the hypervisor was still busy when --timeout ran out
  6    wrong state (e.g. revert of a payload that is not the top of the stack)
  7    no payload of that name is loaded
  8    the payload file failed xlp's checks (not ELF, too big, checksum, signature)
  9    the audit journal or the host lock could not be used: nothing was changed
  10   the remote host could not be reached over ssh
  130  interrupted`;
