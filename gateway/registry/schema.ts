import { z } from 'zod';
import { RegistryDocumentSchema } from './parts.js';
import { checkReferences } from './references.js';

// The park registry: one zod schema, validated once at start-up. The parts live in parts.ts; this file
// is the public surface other folders import (schemas, inferred types, and the input config types).
export * from './parts.js';
export type { ByteOrder, Channel, DataType, Line, ModbusDevice, RegisterMap, StatusWord, Table, ValveControl } from '../inputs/modbus/config.js';
export type { MqttDevice, MqttPayload } from '../inputs/mqtt/config.js';
export type { Hj212Device, Hj212InputConfig } from '../inputs/hj212/config.js';

export const RegistrySchema = RegistryDocumentSchema
  // Run the cross-reference checks even when some entries failed their own schema, so that start-up
  // lists every problem at once; checkReferences tolerates partially invalid input.
  .superRefine(checkReferences, { when: () => true });
export type Registry = z.infer<typeof RegistrySchema>;
