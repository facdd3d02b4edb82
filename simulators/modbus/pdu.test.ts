import { describe, expect, it } from 'vitest';
import { answer, EX, type SlaveUnit } from './pdu.js';

/** A unit with fixed data: coil n = n odd, register n = n × 10; only coil 7 and register 9 are writable. */
function fakeUnit(mode: 'normal' | 'silent' | 'garbage' = 'normal') {
  const writes: string[] = [];
  const unit: SlaveUnit = {
    behaviour: () => mode,
    readBits: (_t, address, quantity) => Array.from({ length: quantity }, (_, i) => (address + i) % 2),
    readRegisters: (_t, address, quantity) => Array.from({ length: quantity }, (_, i) => (address + i) * 10),
    writeCoils: (address, values) => (address === 7 && values.length === 1 ? (writes.push(`coil ${address}=${values[0]}`), true) : false),
    writeRegisters: (address, values) => (address === 9 && values.length === 1 ? (writes.push(`reg ${address}=${values[0]}`), true) : false),
  };
  return { unit, writes };
}

const pdu = (...bytes: number[]) => Buffer.from(bytes);

describe('answer (slave PDU handling)', () => {
  it('FC 03/04 return the registers big-endian with a byte count', () => {
    const { unit } = fakeUnit();
    expect(answer(pdu(3, 0, 2, 0, 3), unit, 'silent')).toEqual(pdu(3, 6, 0, 20, 0, 30, 0, 40));
    expect(answer(pdu(4, 0, 0, 0, 1), unit, 'silent')).toEqual(pdu(4, 2, 0, 0));
  });

  it('FC 01/02 pack bits LSB first, padded to whole bytes', () => {
    const { unit } = fakeUnit();
    // coils 0..9 = 0,1,0,1,...: byte 0 = 0b10101010, byte 1 = 0b10
    expect(answer(pdu(1, 0, 0, 0, 10), unit, 'silent')).toEqual(pdu(1, 2, 0xaa, 0x02));
    expect(answer(pdu(2, 0, 1, 0, 1), unit, 'silent')).toEqual(pdu(2, 1, 0x01));
  });

  it('quantity limits: 125 registers, 2000 bits (exception 03), address overflow (exception 02)', () => {
    const { unit } = fakeUnit();
    expect(answer(pdu(3, 0, 0, 0, 125), unit, 'silent')?.length).toBe(2 + 250);
    expect(answer(pdu(3, 0, 0, 0, 126), unit, 'silent')).toEqual(pdu(0x83, EX.ILLEGAL_DATA_VALUE));
    expect(answer(pdu(4, 0, 0, 0, 0), unit, 'silent')).toEqual(pdu(0x84, EX.ILLEGAL_DATA_VALUE));
    expect(answer(pdu(1, 0, 0, 0x07, 0xd0), unit, 'silent')?.[1]).toBe(250);
    expect(answer(pdu(1, 0, 0, 0x07, 0xd1), unit, 'silent')).toEqual(pdu(0x81, EX.ILLEGAL_DATA_VALUE));
    expect(answer(pdu(3, 0xff, 0xff, 0, 2), unit, 'silent')).toEqual(pdu(0x83, EX.ILLEGAL_DATA_ADDRESS));
  });

  it('writes: echo on success, exception 02 where not writable, exception 03 for a bad coil value', () => {
    const { unit, writes } = fakeUnit();
    expect(answer(pdu(5, 0, 7, 0xff, 0), unit, 'silent')).toEqual(pdu(5, 0, 7, 0xff, 0));
    expect(answer(pdu(6, 0, 9, 0, 1), unit, 'silent')).toEqual(pdu(6, 0, 9, 0, 1));
    expect(answer(pdu(0x0f, 0, 7, 0, 1, 1, 0), unit, 'silent')).toEqual(pdu(0x0f, 0, 7, 0, 1));
    expect(answer(pdu(0x10, 0, 9, 0, 1, 2, 0, 0), unit, 'silent')).toEqual(pdu(0x10, 0, 9, 0, 1));
    expect(writes).toEqual(['coil 7=1', 'reg 9=1', 'coil 7=0', 'reg 9=0']);
    expect(answer(pdu(5, 0, 8, 0xff, 0), unit, 'silent')).toEqual(pdu(0x85, EX.ILLEGAL_DATA_ADDRESS));
    expect(answer(pdu(6, 0, 0, 0, 1), unit, 'silent')).toEqual(pdu(0x86, EX.ILLEGAL_DATA_ADDRESS));
    expect(answer(pdu(5, 0, 7, 0x12, 0x34), unit, 'silent')).toEqual(pdu(0x85, EX.ILLEGAL_DATA_VALUE));
    expect(answer(pdu(0x10, 0, 9, 0, 1, 4, 0, 0), unit, 'silent')).toEqual(pdu(0x90, EX.ILLEGAL_DATA_VALUE));
  });

  it('unsupported function: exception 01', () => {
    expect(answer(pdu(0x2b, 0x0e, 1, 0), fakeUnit().unit, 'silent')).toEqual(pdu(0xab, EX.ILLEGAL_FUNCTION));
  });

  it('silent units do not answer, garbage units answer exception 04, unknown units per transport', () => {
    expect(answer(pdu(3, 0, 0, 0, 1), fakeUnit('silent').unit, 'gateway-exception')).toBeNull();
    expect(answer(pdu(3, 0, 0, 0, 1), fakeUnit('garbage').unit, 'silent')).toEqual(pdu(0x83, EX.SLAVE_DEVICE_FAILURE));
    expect(answer(pdu(3, 0, 0, 0, 1), undefined, 'silent')).toBeNull();
    expect(answer(pdu(3, 0, 0, 0, 1), undefined, 'gateway-exception')).toEqual(pdu(0x83, EX.GATEWAY_TARGET_FAILED));
  });
});
