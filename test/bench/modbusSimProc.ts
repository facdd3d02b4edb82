import './childGuard.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseRegistry } from '../../gateway/registry/loader.js';
import { createSimClock } from '../../simulators/clock.js';
import { startModbusSimulators, type ModbusSimulators } from '../../simulators/modbus/index.js';
import { ParkSignals } from '../../simulators/signals.js';

/**
 * The registry's Modbus devices simulated in their own process (TCP servers on free ports, RTU lines
 * on socat pty pairs), so answering thousands of polls never slows the gateway or the harness.
 * {type:'start', registryFile, outFile} → writes the registry with the simulators' ports → {type:'started'}.
 */
let sims: ModbusSimulators | undefined;
const send = (m: unknown) => process.send?.(m);

process.on('message', (m: { type: string; registryFile?: string; outFile?: string }) => {
  void (async () => {
    try {
      if (m.type === 'start' && m.registryFile && m.outFile) {
        const registry = parseRegistry(JSON.parse(readFileSync(m.registryFile, 'utf8')), m.registryFile);
        const clock = createSimClock(1);
        sims = await startModbusSimulators(registry, new ParkSignals(registry, clock.now));
        writeFileSync(m.outFile, JSON.stringify(sims.registry));
        send({ type: 'started' });
      } else if (m.type === 'stats') {
        send({ type: 'stats', stats: sims?.stats() });
      } else if (m.type === 'stop') {
        await sims?.close();
        send({ type: 'stopped' });
        setTimeout(() => process.exit(0), 100);
      }
    } catch (err) {
      send({ type: 'failed', error: (err as Error).stack ?? String(err) });
    }
  })();
});
