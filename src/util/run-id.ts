/**
 * This process's run id: its pid and start time. Every short-lived file a run leaves on this machine
 * or a dom0 (staged payload copies, the ssh control directory) carries it in its name, and the host
 * lock records it, so the run that takes over a killed run's lock knows exactly what to remove, and
 * never confuses it with another live run's files (pids are reused; pid plus start time is not).
 */
export const RUN_ID = `${process.pid}-${Date.now().toString(36)}`;

/** What a run id looks like: safe in a file name and as one word of a remote shell command. */
export const isRunId = (value: unknown): value is string => typeof value === 'string' && /^\d+-[0-9a-z]+$/.test(value);
