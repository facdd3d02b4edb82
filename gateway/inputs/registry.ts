import type { InputKind } from '../registry/schema.js';
import { createModbusInput } from './modbus/index.js';
import type { LinkPool } from './modbus/pool.js';
import { mqttInput } from './mqtt/index.js';
import type { InputFactory } from './types.js';
import { createHj212Input, type Hj212InputOptions } from './hj212/index.js';

/** What inputs share with other parts of the gateway; created by the composition root. */
export interface SharedInputResources {
  /** the Modbus links, shared with the valve commands (one master per RS-485 line) */
  modbusLinks: LinkPool;
  /** the HJ 212 listener's port override, aggregate sink and back-fill store */
  hj212?: Hj212InputOptions;
}

/** Every input kind, listed here explicitly; a device kind without an entry fails to compile. */
export function createInputs(shared: SharedInputResources) {
  return {
    modbus: createModbusInput({ pool: shared.modbusLinks }),
    mqtt: mqttInput,
    hj212: createHj212Input(shared.hj212),
  } satisfies Record<InputKind, InputFactory>;
}
