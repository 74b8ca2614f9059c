/**
 * How progress is shown: not at all (--json, -q), animated (a person at a capable terminal), plain
 * lines (CI, logs, pipes), or plain ASCII lines (TERM=dumb, a non-UTF-8 locale).
 */
export type ProgressStyle = 'silent' | 'animated' | 'simple' | 'ascii';

export function progressStyle(options: { quiet: boolean }, env: NodeJS.ProcessEnv = process.env, isTTY = process.stderr.isTTY === true): ProgressStyle {
  if (options.quiet) return 'silent';
  const locale = env.LC_ALL || env.LC_CTYPE || env.LANG || '';
  if (env.TERM === 'dumb' || !/utf-?8/i.test(locale)) return 'ascii';
  const ci = env.CI !== undefined && env.CI !== '' && env.CI !== 'false';
  return isTTY && !ci ? 'animated' : 'simple';
}
