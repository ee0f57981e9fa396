import { describe, expect, it } from 'vitest';

import { CheckpointError } from './errors.ts';
import { unpickle, type UnpickleHooks } from './pickle.ts';

const refuseAll: UnpickleHooks = {
  persistentLoad: () => {
    throw new Error('no persistent ids here');
  },
  call: (fn) => {
    throw new CheckpointError('CHECKPOINT_UNSAFE', `refusing ${fn.qualifiedName}`);
  },
};

const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((b) => parseInt(b, 16)));

describe('unpickle', () => {
  it('reads the protocol-4 opcodes newer writers use (FRAME, MEMOIZE, SHORT_BINUNICODE, LONG1, FROZENSET...)', () => {
    // pickle.dumps({'a': [1, -2, 300, 70000, 2**40, -2**70], 't': (1.5, None, True, False), 's': 'héllo',
    //               'b': b'\x00\x01', 'nested': {'x': ()}, 'fs': frozenset([3])}, protocol=4), Python 3.11
    const bytes = hex(
      '80049573000000000000007d94288c0161945d94284b014afeffffff4d2c014a701101008a060000000000018a0900000000' +
        '00000000c0658c01749428473ff80000000000004e888974948c0173948c0668c3a96c6c6f948c01629443020001948c066e' +
        '6573746564947d948c01789429738c02667394284b039194752e',
    );
    const value = unpickle(bytes, refuseAll) as Map<string, unknown>;
    expect(value.get('a')).toEqual([1, -2, 300, 70000, 2 ** 40, -(2n ** 70n)]);
    expect(value.get('t')).toEqual([1.5, null, true, false]);
    expect(value.get('s')).toBe('héllo');
    expect(value.get('b')).toEqual(Uint8Array.of(0, 1));
    expect(value.get('nested')).toEqual(new Map([['x', []]]));
    expect(value.get('fs')).toEqual(new Set([3]));
  });

  it('reads EMPTY_SET / ADDITEMS (pickle.dumps([set([1])], protocol=4))', () => {
    expect(unpickle(hex('8004950a000000000000005d948f94284b0190612e'), refuseAll)).toEqual([
      new Set([1]),
    ]);
  });

  it('refuses truncated input and leaves calls to the hooks', () => {
    expect(() => unpickle(hex('80027d'), refuseAll)).toThrow(/truncated/);
    // GLOBAL 'builtins eval' ; '1' ; TUPLE1 ; REDUCE ; STOP
    const call = hex('8002636275696c74696e730a6576616c0a5801000000318552' + '2e');
    expect(() => unpickle(call, refuseAll)).toThrow(/refusing builtins\.eval/);
  });
});
