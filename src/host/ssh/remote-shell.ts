/**
 * ssh hands the remote side one command string that the login shell parses. Every argument is therefore
 * single-quoted for a POSIX shell, so names and paths with spaces, quotes, `$`, backticks, `;` or
 * newlines reach the program byte for byte.
 */

/** `it's` becomes `'it'\''s'`: inside single quotes nothing is special but the quote itself. */
export function quoteForPosixShell(argument: string): string {
  if (argument.includes('\0')) throw new TypeError('a command argument cannot contain a NUL byte');
  return `'${argument.replaceAll("'", `'\\''`)}'`;
}

/**
 * The command line for the remote shell. LC_ALL=C keeps the tools' messages (strerror texts included)
 * in the English xlp parses, whatever locale the host or the forwarded environment selects.
 */
export function remoteCommandLine(program: string, args: readonly string[]): string {
  return ['LC_ALL=C', ...[program, ...args].map(quoteForPosixShell)].join(' ');
}
