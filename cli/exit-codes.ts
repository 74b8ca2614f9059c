/** The exit-code table shown in every command's help (the README and docs/exit-codes.md say the same). */
export const EXIT_CODES_HELP = `EXIT CODES
  0    success (also when nothing needed doing)
  1    the operation failed
  2    usage error: bad flag, name or file argument
  3    host cannot live-patch: not a dom0, not root, tools missing
  4    the hypervisor refused the payload (or would: pre-flight)
  5    the hypervisor was still busy when --timeout ran out
  6    wrong state (e.g. revert of a payload not on top of the stack)
  7    no payload of that name is loaded
  8    the payload file failed xlp's checks (ELF, size, sha256, signature)
  9    audit journal or host lock unusable: nothing was changed
  10   the remote host could not be reached over ssh
  130  interrupted (Ctrl-C): stopped at a step boundary`;
