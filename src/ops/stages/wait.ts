/** Bounded exponential backoff, so a busy hypervisor is polled gently and never forever. */

export interface Deadline {
  readonly timeoutMs: number;
  readonly expiresAt: number;
}

export const deadlineIn = (timeoutMs: number): Deadline => ({ timeoutMs, expiresAt: Date.now() + timeoutMs });

/** Calls `attempt` until it returns a value (not undefined) or the deadline passes (then returns undefined). */
export async function pollUntil<T>(deadline: Deadline, attempt: () => Promise<T | undefined>): Promise<T | undefined> {
  let delayMs = 50;
  for (;;) {
    const value = await attempt();
    if (value !== undefined) return value;
    const left = deadline.expiresAt - Date.now();
    if (left <= 0) return undefined;
    await new Promise((resolve) => setTimeout(resolve, Math.min(delayMs, left)));
    delayMs = Math.min(delayMs * 2, 1000);
  }
}
