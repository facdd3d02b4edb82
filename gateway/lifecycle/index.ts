import type { Logger } from 'pino';

/**
 * A part of the gateway with a lifecycle: the constructor (or factory) only assigns; `start()` opens
 * sockets, files and timers; `stop()` releases them. Each component owns its timers, sockets and metrics.
 */
export interface Component {
  readonly name: string;
  start(): void | Promise<void>;
  stop(): void | Promise<void>;
}

export interface Supervisor {
  /** starts every component in the order given; if one fails, the ones already started are stopped (reverse order) and the error is thrown */
  start(): Promise<void>;
  /** stops the started components in reverse order; a failing stop is logged and the others still stop; idempotent */
  stop(): Promise<void>;
  /** names of the components running now, in start order */
  running(): string[];
}

/** One supervisor starts the gateway's components in order and stops them in reverse (zigbee2mqtt's controller). */
export function createSupervisor(components: readonly Component[], log?: Pick<Logger, 'info' | 'error'>): Supervisor {
  const started: Component[] = [];
  let stopping: Promise<void> | undefined;
  const stopAll = async () => {
    while (started.length > 0) {
      const c = started.pop()!;
      try {
        await c.stop();
        log?.info({ component: c.name }, 'component stopped');
      } catch (err) {
        log?.error({ component: c.name, err: (err as Error).message }, 'component failed to stop');
      }
    }
  };
  return {
    async start() {
      if (started.length > 0 || stopping) throw new Error('supervisor: start() called twice');
      for (const c of components) {
        try {
          await c.start();
        } catch (err) {
          log?.error({ component: c.name, err: (err as Error).message }, 'component failed to start; stopping the others');
          await stopAll();
          throw new Error(`${c.name} failed to start: ${(err as Error).message}`, { cause: err });
        }
        started.push(c);
      }
    },
    stop() {
      stopping ??= stopAll();
      return stopping;
    },
    running: () => started.map((c) => c.name),
  };
}

/** A component from two functions. */
export const component = (name: string, start: () => void | Promise<void>, stop: () => void | Promise<void>): Component => ({ name, start, stop });
