import type { Line } from './config.js';
import type { Link } from './link.js';

/**
 * The open links of the Modbus input, shared with whatever else talks to the same devices (the valve
 * actuator). An RS-485 line has a single master (Modbus over Serial Line V1.02 §2.1): whoever writes to
 * a slave must go through the poller's link and its queue, never open the port a second time.
 * Links are reference-counted: the last holder to release one closes it. The composition root creates
 * one pool and passes it to the input and to the commands.
 */
export class LinkPool {
  private readonly entries = new Map<string, { link: Link; users: number }>();

  /** The link under `key`, created by `create` when there is none; the caller must release it. */
  acquire(key: string, create: () => Link): Link {
    const e = this.entries.get(key);
    if (e) {
      e.users++;
      return e.link;
    }
    const link = create();
    this.entries.set(key, { link, users: 1 });
    return link;
  }

  /** The link under `key` when someone holds it open (then also held by the caller, who must release it). */
  join(key: string): Link | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    e.users++;
    return e.link;
  }

  /** Give a link back; the last holder closes it. */
  async release(key: string, link: Link): Promise<void> {
    const e = this.entries.get(key);
    if (!e || e.link !== link) return;
    e.users--;
    if (e.users > 0) return;
    this.entries.delete(key);
    await link.close();
  }

  /** keys of the links currently held */
  keys(): string[] {
    return [...this.entries.keys()];
  }
}

/**
 * Which link a device uses. TCP: one connection per device (a dead slave behind a gateway cannot hold
 * up another). RTU: one per serial port, whatever line names it. Keyed by endpoint, so two inputs in one
 * process that poll the same port share it instead of opening it twice.
 */
export function linkKey(line: Line, deviceId: string): string {
  return line.transport === 'tcp' ? `tcp ${line.host}:${line.port}/${deviceId}` : `serial ${line.path}`;
}
