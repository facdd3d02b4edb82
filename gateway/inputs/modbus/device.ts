import type { Reading } from '../../model/reading.js';
import type { Pollutant } from '../../registry/schema.js';
import type { Line, ModbusDevice, RegisterMap } from './config.js';
import { decodePoll, type Block, type RejectedValue } from './decode.js';
import { classify, PollError } from './errors.js';
import type { ModbusChannel } from './link.js';
import { planReads, type ReadRequest } from './plan.js';

export interface DeviceSpec {
  site: string;
  device: ModbusDevice;
  line: Line;
  map: RegisterMap;
}

/** What a poller needs of its link (see Link): run one job with exclusive use of the connection. */
export interface LinkRunner {
  run<T>(job: (ch: ModbusChannel) => Promise<T>): Promise<T>;
}

export type PollOutcome =
  | { kind: 'ok'; ts: number; readings: Reading[]; rejected: RejectedValue[]; recovered: boolean }
  | { kind: 'failed'; error: PollError; failures: number; retryInMs: number }
  /** the device is backing off after failures: this poll was not sent */
  | { kind: 'skipped' };

/**
 * Polls one device through its link. A poll reads every request of the device's plan in turn and is
 * all-or-nothing: values and the status words that flag them come from one consistent pass.
 *
 * Failures: a timeout or CRC error is retried at once up to `retries` times while the device is
 * healthy; the first failing request ends the poll. After a failed poll the device backs off: the next
 * poll goes out after intervalMs × 2^(failures−1), capped at max(intervalMs, backoffMax), as a single
 * probe without retries. On a shared RS-485 line this bounds what a dead slave costs its neighbours to
 * one timeout per backoff period; behind a TCP gateway it spares the gateway's own serial side.
 */
export class DevicePoller {
  /** "WP-03-M (unit 3 on tcp-rack-1)": how errors and logs name the device */
  readonly where: string;
  readonly plan: ReadRequest[];
  private failures = 0;
  private nextPollAt = 0;
  /** sampled channels (analysers on a cycle): pollutant → sample time of the measurement last emitted */
  private readonly lastSampleAt = new Map<string, number>();

  constructor(
    readonly spec: DeviceSpec,
    private readonly link: LinkRunner,
    private readonly pollutants: Record<string, Pollutant>,
    private readonly now: () => number,
    private readonly backoffMax: number,
  ) {
    this.where = `${spec.device.id} (unit ${spec.device.unitId} on ${spec.line.id})`;
    this.plan = planReads(spec.map);
  }

  async poll(): Promise<PollOutcome> {
    const { intervalMs } = this.spec.device;
    const started = this.now();
    // half an interval of slack so a tick that fires a little early is not skipped
    if (started < this.nextPollAt - intervalMs / 2) return { kind: 'skipped' };
    try {
      const blocks = await this.link.run((ch) => this.readAll(ch));
      const ts = Math.round(this.now()); // the poll's last response arrived now
      const recovered = this.failures > 0;
      this.failures = 0;
      this.nextPollAt = 0;
      const { samples, ...decoded } = decodePoll({ site: this.spec.site, device: this.spec.device.id, map: this.spec.map, pollutants: this.pollutants, ts, lastSampleAt: this.lastSampleAt }, blocks);
      for (const [pollutant, at] of samples) this.lastSampleAt.set(pollutant, at);
      return { kind: 'ok', ts, recovered, ...decoded };
    } catch (err) {
      const error = classify(err, this.where, 'poll', this.spec.device.timeoutMs);
      this.failures++;
      const retryInMs = Math.min(intervalMs * 2 ** (this.failures - 1), Math.max(intervalMs, this.backoffMax));
      this.nextPollAt = started + retryInMs;
      return { kind: 'failed', error, failures: this.failures, retryInMs };
    }
  }

  private async readAll(ch: ModbusChannel): Promise<Block[]> {
    const { unitId, timeoutMs, retries } = this.spec.device;
    const attempts = this.failures > 0 ? 1 : retries + 1;
    const blocks: Block[] = [];
    for (const req of this.plan) {
      const what = `FC ${String(req.fc).padStart(2, '0')} ${req.table} ${req.address}+${req.quantity}`;
      for (let attempt = 1; ; attempt++) {
        try {
          const data = await ch.read(unitId, req, timeoutMs);
          if (data.length !== req.quantity) throw new PollError('framing', `${data.length} values in the answer to ${what}, expected ${req.quantity}`);
          blocks.push({ table: req.table, address: req.address, data });
          break;
        } catch (err) {
          const e = classify(err, this.where, what, timeoutMs);
          if (!e.retryable || attempt >= attempts) throw e;
        }
      }
    }
    return blocks;
  }
}
