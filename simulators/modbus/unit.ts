import type { Channel, RegisterMap, Table } from '../../gateway/registry/schema.js';
import type { ModbusFault, ParkSignals } from '../signals.js';
import type { SlaveUnit } from './pdu.js';
import { channelRegisters, channelValue, encodeValue, registerCount } from './registers.js';

/** pollutant code of the 一企一管 valve state */
const VALVE = 'w99002';

/**
 * One simulated slave: the register map of a device, filled on every read from the park signals.
 * - Channels hold signals.value(site, pollutant), encoded per the map (type, byte order, scale, offset).
 * - A channel with a sample-time register holds the value of its analyser's last measurement, and the
 *   register that measurement's time in epoch seconds (uint32).
 * - A status word sets the lowest bit mapped to signals.flag(site) (nothing for 'N').
 * - Addresses the map does not use read as 0 (so requests may span small gaps).
 * - Valve: writing the coil that holds the valve state, or the register bit that holds it, calls
 *   signals.setValve(site, open). A valve state kept on a read-only discrete input (wp-pipe-b) gets a
 *   control coil at the same address: write it to switch the valve, read it for the state.
 *   Every other write is refused (exception 02).
 * Registers are encoded by ./registers.ts, not by the gateway's decoder's inverse.
 */
export class SimulatedUnit implements SlaveUnit {
  constructor(
    readonly site: string,
    readonly device: string,
    readonly map: RegisterMap,
    readonly signals: ParkSignals,
  ) {}

  behaviour(): 'normal' | 'silent' | 'garbage' {
    if (this.signals.isSilent(this.device)) return 'silent';
    return this.signals.isGarbage(this.device) ? 'garbage' : 'normal';
  }

  fault(): ModbusFault | undefined {
    return this.signals.fault(this.device);
  }

  /** the valve channel, when the map has one */
  private valve(): Channel | undefined {
    return this.map.channels.find((c) => c.pollutant === VALVE);
  }

  /** current content of every used address of a table */
  private image(table: Table): Map<number, number> {
    const img = new Map<number, number>();
    for (const c of this.map.channels) {
      if (c.table !== table) continue;
      const words = channelRegisters(c, this.signals.value(this.site, c.pollutant));
      words.forEach((w, i) => {
        const at = c.address + i;
        img.set(at, c.bit !== undefined ? (img.get(at) ?? 0) | w : w);
      });
    }
    // an analyser's sample time (HJ 212-2017 xxxxxx-SampleTime): epoch seconds of its last measurement
    for (const c of this.map.channels) {
      const t = c.sampleTime;
      const at = t?.table === table ? this.signals.sampleTime(this.site, c.pollutant) : undefined;
      if (t && at !== undefined) encodeValue(at / 1000, 'uint32', t.order).forEach((w, i) => img.set(t.address + i, w));
    }
    const v = this.valve();
    if (table === 'coil' && v?.table === 'discrete') img.set(v.address, this.signals.valveOpen(this.site) ? 1 : 0);
    const flag = this.signals.flag(this.site);
    for (const s of this.map.status) {
      if (s.table !== table || flag === 'N') continue;
      const bits = Object.entries(s.bits)
        .filter(([, f]) => f === flag)
        .map(([b]) => Number(b))
        .sort((a, b) => a - b);
      if (bits[0] !== undefined) img.set(s.address, (img.get(s.address) ?? 0) | (1 << bits[0]));
    }
    return img;
  }

  readBits(table: 'coil' | 'discrete', address: number, quantity: number): number[] {
    const img = this.image(table);
    return Array.from({ length: quantity }, (_, i) => (img.get(address + i) ? 1 : 0));
  }

  readRegisters(table: 'holding' | 'input', address: number, quantity: number): number[] {
    const img = this.image(table);
    return Array.from({ length: quantity }, (_, i) => img.get(address + i) ?? 0);
  }

  writeCoils(address: number, values: number[]): boolean {
    const v = this.valve();
    const coil = v && (v.table === 'coil' || v.table === 'discrete') ? v.address : undefined;
    if (coil === undefined || address !== coil || values.length !== 1) return false;
    this.signals.setValve(this.site, values[0] === 1);
    return true;
  }

  writeRegisters(address: number, values: number[]): boolean {
    const v = this.valve();
    if (!v || v.table !== 'holding' || address !== v.address || values.length !== registerCount(v.type)) return false;
    this.signals.setValve(this.site, channelValue(v, values) >= 0.5);
    return true;
  }
}
