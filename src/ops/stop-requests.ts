/**
 * A run is asked to stop by SIGINT (Ctrl-C), SIGTERM (systemd, CI) or SIGHUP (a closed terminal).
 * Stopping is always at a step boundary: the step under way (an upload, an apply the hypervisor is
 * performing) runs to its end and is recorded, and no further step starts. Child processes run in
 * their own process group, so the terminal's signal reaches xlp alone. A second Ctrl-C stops at once
 * (the journal's open intent is then resolved by the next run, as after kill -9).
 */
export type StopSignal = 'SIGINT' | 'SIGTERM' | 'SIGHUP';

export interface StopRequests {
  /** The first signal received, once one was. */
  readonly requested: StopSignal | undefined;
  /** Calls `listener` on each stop request; returns the unsubscribe function. */
  subscribe(listener: (signal: StopSignal) => void): () => void;
}

const SIGNALS: readonly StopSignal[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Stop requests driven by hand: the process's signals below, library users without signals, the tests. */
export function manualStopRequests(): StopRequests & { request(signal: StopSignal): void } {
  let requested: StopSignal | undefined;
  const listeners = new Set<(signal: StopSignal) => void>();
  return {
    get requested() {
      return requested;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    request(signal) {
      requested ??= signal;
      for (const listener of listeners) listener(signal);
    },
  };
}

/** This process's signals, until dispose(). `exitAtOnce` ends the process on a second SIGINT. */
export function processStopRequests(exitAtOnce: () => never): StopRequests & { dispose(): void } {
  const stops = manualStopRequests();
  const handlers = SIGNALS.map((signal) => {
    const handler = (): void => {
      if (signal === 'SIGINT' && stops.requested === 'SIGINT') exitAtOnce();
      stops.request(signal);
    };
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  return {
    get requested() {
      return stops.requested;
    },
    subscribe: (listener) => stops.subscribe(listener),
    dispose() {
      for (const [signal, handler] of handlers) process.off(signal, handler);
    },
  };
}
