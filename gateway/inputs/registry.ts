import type { InputKind } from '../registry/schema.js';
import { createModbusInput } from './modbus/index.js';
import type { LinkPool } from './modbus/pool.js';
import { mqttInput } from './mqtt/index.js';
import type { InputFactory } from './types.js';

/** What inputs share with other parts of the gateway; created by the composition root. */
export interface SharedInputResources {
  /** the Modbus links, shared with the valve commands (one master per RS-485 line) */
  modbusLinks: LinkPool;
}

/** Every input kind, listed here explicitly; a device kind without an entry fails to compile. */
export function createInputs(shared: SharedInputResources) {
  return {
    modbus: createModbusInput({ pool: shared.modbusLinks }),
    mqtt: mqttInput,
  } satisfies Record<InputKind, InputFactory>;
}
