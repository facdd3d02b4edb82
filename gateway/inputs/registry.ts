import type { InputKind } from '../registry/schema.js';
import { modbusInput } from './modbus/index.js';
import { mqttInput } from './mqtt/index.js';
import type { InputFactory } from './types.js';

/** Every input kind, listed here explicitly; a device kind without an entry fails to compile. */
export const inputs = {
  modbus: modbusInput,
  mqtt: mqttInput,
} satisfies Record<InputKind, InputFactory>;
