import { CheckpointError } from './errors.ts';

/**
 * A restricted unpickler for the pickles inside `torch.save` files (protocol 2, plus the protocol 3-4 opcodes
 * that newer writers use). It builds plain values and never runs code: GLOBAL only names a callable, and
 * REDUCE / NEWOBJ go through `hooks.call`, which decides what each allowed name produces and refuses the rest.
 * Unknown opcodes are refused.
 */

/** A reference to a Python global (`module.name`) as GLOBAL / STACK_GLOBAL gives it; never resolved. */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}

  get qualifiedName(): string {
    return `${this.module}.${this.name}`;
  }
}

/** An object of a known, harmless class kept opaque (e.g. a numpy scalar in mmcv's `meta`). */
export class PyOpaque {
  state: unknown = undefined;
  constructor(
    readonly cls: string,
    readonly args: unknown[],
  ) {}
}

/** What the caller decides: persistent ids (torch storages) and calls of allowed globals. */
export interface UnpickleHooks {
  persistentLoad(pid: unknown): unknown;
  /** The value of `fn(*args)` for an allowed `fn`; throw a CheckpointError for anything else. */
  call(fn: PyGlobal, args: unknown[]): unknown;
}

type Handler = (u: Unpickler) => void;

const MARK = Symbol('mark');

class Unpickler {
  pos = 0;
  stack: unknown[] = [];
  memo = new Map<number, unknown>();
  done = false;
  private readonly view: DataView;

  constructor(
    readonly bytes: Uint8Array,
    readonly hooks: UnpickleHooks,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail(msg: string, code: 'CHECKPOINT_FORMAT' | 'CHECKPOINT_UNSAFE' = 'CHECKPOINT_FORMAT'): never {
    throw new CheckpointError(code, `pickle: ${msg} (at byte ${this.pos})`);
  }

  need(n: number): number {
    if (this.pos + n > this.bytes.byteLength) this.fail('truncated data');
    const at = this.pos;
    this.pos += n;
    return at;
  }

  u8 = () => this.view.getUint8(this.need(1));
  u16 = () => this.view.getUint16(this.need(2), true);
  u32 = () => this.view.getUint32(this.need(4), true);
  i32 = () => this.view.getInt32(this.need(4), true);
  u64 = () => Number(this.view.getBigUint64(this.need(8), true));
  f64be = () => this.view.getFloat64(this.need(8), false);
  raw = (n: number) => this.bytes.subarray(this.need(n), this.pos);
  utf8 = (n: number) => new TextDecoder().decode(this.raw(n));
  latin1 = (n: number) => String.fromCharCode(...this.raw(n));

  line(): string {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0) this.fail('unterminated line');
    return this.latin1(end - this.pos + 1).slice(0, -1);
  }

  push = (v: unknown) => void this.stack.push(v);

  pop(): unknown {
    if (this.stack.length === 0) this.fail('stack underflow');
    return this.stack.pop();
  }

  top(): unknown {
    if (this.stack.length === 0) this.fail('stack underflow');
    return this.stack[this.stack.length - 1];
  }

  /** Pops everything down to the last MARK, which is removed too. */
  popMark(): unknown[] {
    const at = this.stack.lastIndexOf(MARK);
    if (at < 0) this.fail('missing MARK');
    const items = this.stack.slice(at + 1);
    this.stack.length = at;
    return items;
  }

  get(key: number): unknown {
    if (!this.memo.has(key)) this.fail(`memo key ${key} not found`);
    return this.memo.get(key);
  }
}

function long(bytes: Uint8Array): number | bigint {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i] as number);
  if (bytes.length > 0 && ((bytes[bytes.length - 1] as number) & 0x80) !== 0)
    v -= 1n << BigInt(8 * bytes.length);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(v)
    : v;
}

function setItems(u: Unpickler, target: unknown, items: unknown[]): void {
  if (!(target instanceof Map)) u.fail('SETITEM(S) on something that is not a dict');
  for (let i = 0; i + 1 < items.length; i += 2) target.set(items[i], items[i + 1]);
}

function appendItems(u: Unpickler, target: unknown, items: unknown[]): void {
  if (target instanceof Set)
    items.forEach((i) => {
      target.add(i);
    });
  else if (Array.isArray(target)) target.push(...items);
  else u.fail('APPEND(S) on something that is not a list');
}

function call(u: Unpickler, fn: unknown, args: unknown): void {
  if (!(fn instanceof PyGlobal))
    u.fail('call of something that is not a named global', 'CHECKPOINT_UNSAFE');
  if (!Array.isArray(args)) u.fail('call arguments are not a tuple');
  u.push(u.hooks.call(fn, args));
}

function build(u: Unpickler): void {
  const state = u.pop();
  const target = u.top();
  // OrderedDict state dicts carry `_metadata` (module versions): not needed. Opaque objects keep their state.
  if (target instanceof PyOpaque) target.state = state;
}

const OPS: Record<number, Handler> = {
  0x80: (u) => void u.u8(), // PROTO
  0x95: (u) => void u.u64(), // FRAME
  0x2e: (u) => void (u.done = true), // STOP
  0x28: (u) => u.push(MARK), // MARK
  0x7d: (u) => u.push(new Map()), // EMPTY_DICT
  0x5d: (u) => u.push([]), // EMPTY_LIST
  0x29: (u) => u.push([]), // EMPTY_TUPLE
  0x8f: (u) => u.push(new Set()), // EMPTY_SET
  0x4e: (u) => u.push(null), // NONE
  0x88: (u) => u.push(true), // NEWTRUE
  0x89: (u) => u.push(false), // NEWFALSE
  0x4a: (u) => u.push(u.i32()), // BININT
  0x4b: (u) => u.push(u.u8()), // BININT1
  0x4d: (u) => u.push(u.u16()), // BININT2
  0x8a: (u) => u.push(long(u.raw(u.u8()))), // LONG1
  0x8b: (u) => u.push(long(u.raw(u.u32()))), // LONG4
  0x47: (u) => u.push(u.f64be()), // BINFLOAT
  0x58: (u) => u.push(u.utf8(u.u32())), // BINUNICODE
  0x8c: (u) => u.push(u.utf8(u.u8())), // SHORT_BINUNICODE
  0x8d: (u) => u.push(u.utf8(u.u64())), // BINUNICODE8
  0x54: (u) => u.push(u.latin1(u.u32())), // BINSTRING (Python 2 str)
  0x55: (u) => u.push(u.latin1(u.u8())), // SHORT_BINSTRING
  0x42: (u) => u.push(u.raw(u.u32()).slice()), // BINBYTES
  0x43: (u) => u.push(u.raw(u.u8()).slice()), // SHORT_BINBYTES
  0x8e: (u) => u.push(u.raw(u.u64()).slice()), // BINBYTES8
  0x74: (u) => u.push(u.popMark()), // TUPLE
  0x85: (u) => u.push([u.pop()]), // TUPLE1
  0x86: (u) => u.push([u.pop(), u.pop()].reverse()), // TUPLE2
  0x87: (u) => u.push([u.pop(), u.pop(), u.pop()].reverse()), // TUPLE3
  0x6c: (u) => u.push(u.popMark()), // LIST
  0x64: (u) => dict(u), // DICT
  0x91: (u) => u.push(new Set(u.popMark())), // FROZENSET
  0x61: (u) => appendItems(u, u.stack[u.stack.length - 2], [u.pop()]), // APPEND
  0x65: (u) => appendMarked(u), // APPENDS
  0x90: (u) => appendMarked(u), // ADDITEMS
  0x73: (u) => setItem(u), // SETITEM
  0x75: (u) => setMarked(u), // SETITEMS
  0x71: (u) => void u.memo.set(u.u8(), u.top()), // BINPUT
  0x72: (u) => void u.memo.set(u.u32(), u.top()), // LONG_BINPUT
  0x94: (u) => void u.memo.set(u.memo.size, u.top()), // MEMOIZE
  0x68: (u) => u.push(u.get(u.u8())), // BINGET
  0x6a: (u) => u.push(u.get(u.u32())), // LONG_BINGET
  0x30: (u) => void u.pop(), // POP
  0x31: (u) => void u.popMark(), // POP_MARK
  0x32: (u) => u.push(u.top()), // DUP
  0x63: (u) => u.push(new PyGlobal(u.line(), u.line())), // GLOBAL
  0x93: (u) => u.push(stackGlobal(u)), // STACK_GLOBAL
  0x52: (u) => reduce(u), // REDUCE
  0x81: (u) => newObj(u), // NEWOBJ
  0x62: (u) => build(u), // BUILD
  0x51: (u) => u.push(u.hooks.persistentLoad(u.pop())), // BINPERSID
};

function dict(u: Unpickler): void {
  const d = new Map<unknown, unknown>();
  setItems(u, d, u.popMark());
  u.push(d);
}

function appendMarked(u: Unpickler): void {
  const items = u.popMark();
  appendItems(u, u.top(), items);
}

function setItem(u: Unpickler): void {
  const value = u.pop();
  const key = u.pop();
  setItems(u, u.top(), [key, value]);
}

function setMarked(u: Unpickler): void {
  const items = u.popMark();
  setItems(u, u.top(), items);
}

function stackGlobal(u: Unpickler): PyGlobal {
  const name = u.pop();
  const module = u.pop();
  if (typeof module !== 'string' || typeof name !== 'string')
    u.fail('STACK_GLOBAL needs two strings');
  return new PyGlobal(module, name);
}

function reduce(u: Unpickler): void {
  const args = u.pop();
  call(u, u.pop(), args);
}

function newObj(u: Unpickler): void {
  const args = u.pop();
  call(u, u.pop(), args);
}

/**
 * Unpickles `bytes` with the given hooks. Throws a CheckpointError on truncated data, an opcode outside the
 * supported set, or a call the hooks refuse.
 */
export function unpickle(bytes: Uint8Array, hooks: UnpickleHooks): unknown {
  const u = new Unpickler(bytes, hooks);
  while (!u.done) {
    const op = u.u8();
    const handler = OPS[op];
    if (handler === undefined) {
      u.pos -= 1;
      return u.fail(
        `unsupported opcode 0x${op.toString(16).padStart(2, '0')}`,
        'CHECKPOINT_UNSAFE',
      );
    }
    handler(u);
  }
  if (u.stack.length !== 1) u.fail(`ends with ${u.stack.length} values on the stack`);
  return u.stack[0];
}
