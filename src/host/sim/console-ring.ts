/** The hypervisor console ring that `xl dmesg` prints: bounded like Xen's, oldest lines dropped first. */
import type { SimState } from './state.js';

/** Xen's default console ring holds 16 KiB. */
export const CONSOLE_RING_BYTES = 16 * 1024;

export function printk(state: SimState, text: string): void {
  state.console.push(`(XEN) ${text}`);
  let total = state.console.reduce((sum, line) => sum + line.length + 1, 0);
  while (total > CONSOLE_RING_BYTES && state.console.length > 1) {
    total -= (state.console.shift() as string).length + 1;
  }
}

/** Xen's LIVEPATCH prefix. */
export const livepatchLog = (state: SimState, text: string): void => printk(state, `livepatch: ${text}`);
