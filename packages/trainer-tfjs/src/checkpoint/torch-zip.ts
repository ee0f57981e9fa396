import { unzipSync } from 'fflate';

import { CheckpointError } from './errors.ts';
import { PyGlobal, PyOpaque, unpickle, type UnpickleHooks } from './pickle.ts';
import { DTYPE_SIZE, numel, type CheckpointTensor, type DType } from './tensor.ts';

/**
 * Reads what `torch.save` writes since torch 1.6: a zip holding `<root>/data.pkl` (the pickled object, tensors as
 * `torch._utils._rebuild_tensor_v2` calls over persistent ids `('storage', torch.FloatStorage, key, location,
 * numel)`) and the raw little-endian storages `<root>/data/<key>`. Returns the object with every tensor as a
 * contiguous {@link CheckpointTensor}, dicts as `Map`s, tuples and lists as arrays.
 */
export function parseTorchZip(bytes: Uint8Array): unknown {
  const files = unzipTorch(bytes);
  const root = findRoot(files);
  const order = files[`${root}/byteorder`];
  if (order && new TextDecoder().decode(order).trim() !== 'little') {
    throw new CheckpointError(
      'CHECKPOINT_FORMAT',
      'torch zip: big-endian checkpoints are not supported',
    );
  }
  const pkl = files[`${root}/data.pkl`] as Uint8Array;
  return unpickle(pkl, torchHooks(files, root));
}

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];
const LEGACY_MAGIC = [
  0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19,
];

function startsWith(bytes: Uint8Array, magic: readonly number[]): boolean {
  return magic.every((b, i) => bytes[i] === b);
}

/** True when the bytes start with the magic number of the legacy (pre-1.6) torch.save format. */
export function isLegacyTorch(bytes: Uint8Array): boolean {
  return startsWith(bytes, LEGACY_MAGIC);
}

/** True when the bytes start like a zip file (torch.save since 1.6). */
export function isZip(bytes: Uint8Array): boolean {
  return startsWith(bytes, ZIP_MAGIC);
}

function unzipTorch(bytes: Uint8Array): Record<string, Uint8Array> {
  if (isLegacyTorch(bytes)) {
    throw new CheckpointError(
      'CHECKPOINT_FORMAT',
      'torch file in the legacy (pre-1.6) format: re-save it with torch >= 1.6 ' +
        '(torch.save(torch.load(f), f)) or as safetensors',
    );
  }
  if (!isZip(bytes)) throw new CheckpointError('CHECKPOINT_FORMAT', 'not a torch.save zip file');
  try {
    return unzipSync(bytes);
  } catch (err) {
    throw new CheckpointError(
      'CHECKPOINT_FORMAT',
      `torch zip: cannot unzip (${(err as Error).message})`,
    );
  }
}

function findRoot(files: Record<string, Uint8Array>): string {
  const pkls = Object.keys(files).filter((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (pkls.length !== 1) {
    throw new CheckpointError(
      'CHECKPOINT_FORMAT',
      'torch zip: expected exactly one <root>/data.pkl',
    );
  }
  return (pkls[0] as string).slice(0, -'/data.pkl'.length);
}

const STORAGE_DTYPES: Readonly<Record<string, DType>> = {
  DoubleStorage: 'F64',
  FloatStorage: 'F32',
  HalfStorage: 'F16',
  BFloat16Storage: 'BF16',
  LongStorage: 'I64',
  IntStorage: 'I32',
  ShortStorage: 'I16',
  CharStorage: 'I8',
  ByteStorage: 'U8',
  BoolStorage: 'BOOL',
};

/** Harmless classes seen in checkpoint metadata (mmcv `meta`, torchvision `args`): kept as opaque values. */
const OPAQUE_CALLABLES = new Set([
  'numpy.core.multiarray.scalar',
  'numpy._core.multiarray.scalar',
  'numpy.core.multiarray._reconstruct',
  'numpy._core.multiarray._reconstruct',
  'numpy.dtype',
  'numpy.ndarray',
  '_codecs.encode',
  'argparse.Namespace',
  'torch.torch_version.TorchVersion',
  'torch.device',
  'pathlib.PosixPath',
  'pathlib.WindowsPath',
  'copyreg._reconstructor',
  'collections.defaultdict',
]);

interface Storage {
  dtype: DType;
  bytes: Uint8Array;
  numel: number;
}

function torchHooks(files: Record<string, Uint8Array>, root: string): UnpickleHooks {
  const storages = new Map<string, Storage>();
  return {
    persistentLoad: (pid) => loadStorage(pid, files, root, storages),
    call: (fn, args) => callAllowed(fn, args),
  };
}

function loadStorage(
  pid: unknown,
  files: Record<string, Uint8Array>,
  root: string,
  cache: Map<string, Storage>,
): Storage {
  const [tag, type, key, , count] = Array.isArray(pid) ? pid : [];
  if (
    tag !== 'storage' ||
    !(type instanceof PyGlobal) ||
    typeof key !== 'string' ||
    typeof count !== 'number'
  ) {
    throw new CheckpointError('CHECKPOINT_FORMAT', 'torch zip: unexpected persistent id');
  }
  const dtype = type.module === 'torch' ? STORAGE_DTYPES[type.name] : undefined;
  if (!dtype)
    throw new CheckpointError(
      'CHECKPOINT_FORMAT',
      `torch zip: unsupported storage ${type.qualifiedName}`,
    );
  const cached = cache.get(key);
  if (cached) return cached;
  const bytes = files[`${root}/data/${key}`];
  if (!bytes || bytes.byteLength < count * DTYPE_SIZE[dtype]) {
    throw new CheckpointError('CHECKPOINT_FORMAT', `torch zip: storage ${key} is missing or short`);
  }
  const storage = { dtype, bytes, numel: count };
  cache.set(key, storage);
  return storage;
}

function callAllowed(fn: PyGlobal, args: unknown[]): unknown {
  switch (fn.qualifiedName) {
    case 'collections.OrderedDict':
      return new Map(Array.isArray(args[0]) ? (args[0] as Array<[unknown, unknown]>) : []);
    case 'torch._utils._rebuild_tensor_v2':
    case 'torch._utils._rebuild_tensor':
      return rebuildTensor(args);
    case 'torch._utils._rebuild_parameter':
    case 'torch._utils._rebuild_parameter_with_state':
    case 'torch.Size':
      return args[0];
    case 'builtins.set':
    case 'builtins.frozenset':
    case '__builtin__.set':
      return new Set(Array.isArray(args[0]) ? args[0] : []);
    default:
      if (OPAQUE_CALLABLES.has(fn.qualifiedName)) return new PyOpaque(fn.qualifiedName, args);
      throw new CheckpointError(
        'CHECKPOINT_UNSAFE',
        `refusing to call ${fn.qualifiedName} from a checkpoint's pickle: ` +
          'only tensors, containers and known metadata types are read',
      );
  }
}

function isIntArray(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((x) => Number.isInteger(x) && x >= 0);
}

/** `_rebuild_tensor_v2(storage, offset, size, stride, ...)`: gathers the view into contiguous bytes. */
function rebuildTensor(args: unknown[]): CheckpointTensor {
  const [storage, offset, size, stride] = args as [Storage | undefined, unknown, unknown, unknown];
  if (!storage?.bytes || !Number.isInteger(offset) || !isIntArray(size) || !isIntArray(stride)) {
    throw new CheckpointError('CHECKPOINT_FORMAT', 'torch zip: malformed tensor');
  }
  const start = offset as number;
  let last = start;
  size.forEach((s, i) => {
    last += s > 0 ? (s - 1) * (stride[i] ?? 0) : 0;
  });
  if (size.length !== stride.length || (numel(size) > 0 && last >= storage.numel)) {
    throw new CheckpointError(
      'CHECKPOINT_FORMAT',
      'torch zip: tensor view does not fit its storage',
    );
  }
  return { dtype: storage.dtype, shape: size, data: gather(storage, start, size, stride) };
}

/** The bytes of a strided view, in row-major order. */
function gather(storage: Storage, start: number, size: number[], stride: number[]): Uint8Array {
  const es = DTYPE_SIZE[storage.dtype];
  const n = numel(size);
  if (isContiguous(size, stride)) return storage.bytes.slice(start * es, (start + n) * es);
  const data = new Uint8Array(n * es);
  const index = new Array<number>(size.length).fill(0);
  for (let i = 0; i < n; i++) {
    let src = start;
    index.forEach((v, d) => {
      src += v * (stride[d] as number);
    });
    data.set(storage.bytes.subarray(src * es, (src + 1) * es), i * es);
    for (let d = size.length - 1; d >= 0 && ++index[d]! === size[d]; d--) index[d] = 0;
  }
  return data;
}

function isContiguous(size: number[], stride: number[]): boolean {
  let expected = 1;
  for (let d = size.length - 1; d >= 0; d--) {
    if ((size[d] as number) !== 1 && stride[d] !== expected) return false;
    expected *= size[d] as number;
  }
  return true;
}
