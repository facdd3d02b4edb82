/**
 * A socat pty pair for RTU tests: `{ a, b, close }`, the two ends of a virtual serial line.
 * The simulators use the same pair for their RTU lines (serve on `a`, point the gateway at `b`).
 */
export { startPtyPair as startSocat, type PtyPair as Socat } from '../../simulators/modbus/ptyPair.js';
