import { backend_util, getKernel, util } from '@tensorflow/tfjs-core';
import type {
  KernelConfig,
  KernelFunc,
  NamedAttrMap,
  NamedTensorInfoMap,
  TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** A 2-D spatial pair as the kernels' attributes give it: one number or [height, width]. */
export type Pair = number | [number, number];

/** Padding as tfjs kernels take it. */
export type ConvPad = 'valid' | 'same' | number | backend_util.ExplicitPadding;

/** The resolved geometry of one NHWC 2-D convolution, the forward pass the gradients belong to. */
export interface ConvGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  padTop: number;
  padLeft: number;
}

/**
 * Runs a kernel that the wasm backend registers, on TensorInfos already in its heap, and returns its
 * output. Calling the kernel function directly (not through the engine) keeps it off the gradient tape
 * and avoids wrapping every intermediate in a Tensor; the caller disposes what it gets back.
 */
export function runWasm(
  backend: BackendWasm,
  kernelName: string,
  inputs: NamedTensorInfoMap,
  attrs: NamedAttrMap = {},
): TensorInfo {
  const kernel = getKernel(kernelName, 'wasm');
  if (kernel === undefined) throw new Error(`wasm backend has no '${kernelName}' kernel`);
  const out = kernel.kernelFunc({ inputs, attrs, backend });
  if (Array.isArray(out)) throw new Error(`wasm kernel '${kernelName}' returned several outputs`);
  return out;
}

/** Releases intermediates made by `runWasm` (a reshape shares its input's data and only drops a reference). */
export function disposeInfos(backend: BackendWasm, ...infos: TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/** Reshapes without copying (the wasm Reshape kernel adds a reference to the same data). */
export function reshapeInfo(backend: BackendWasm, x: TensorInfo, shape: number[]): TensorInfo {
  return runWasm(backend, 'Reshape', { x }, { shape });
}

/** Throws for the NCHW layout: the wasm backend's own convolutions are NHWC only. */
export function assertNhwc(kernelName: string, dataFormat: unknown): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') {
    throw new Error(
      `${kernelName} on wasm supports dataFormat NHWC only, got '${String(dataFormat)}'`,
    );
  }
}

/**
 * Resolves the forward convolution's geometry (padding 'same'/'valid'/number/explicit, strides,
 * dilations, rounding) exactly as tfjs does, so the gradients line up with the forward pass.
 */
export function convGeometry(
  xShape: readonly number[],
  filterShape: readonly number[],
  strides: Pair,
  dilations: Pair,
  pad: ConvPad,
  dimRoundingMode: 'floor' | 'round' | 'ceil' | undefined,
  depthwise: boolean,
): ConvGeometry {
  const info = backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    dilations,
    pad,
    dimRoundingMode,
    depthwise,
    'channelsLast',
  );
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    dilationHeight: info.dilationHeight,
    dilationWidth: info.dilationWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

/** The attributes every convolution kernel (forward or gradient) takes about its geometry. */
export interface ConvAttrs {
  strides: Pair;
  pad: ConvPad;
  dilations?: Pair;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** `convGeometry` from a kernel's attributes (dilations default to 1). */
export function convGeometryOf(
  xShape: readonly number[],
  filterShape: readonly number[],
  attrs: ConvAttrs,
  depthwise = false,
): ConvGeometry {
  return convGeometry(
    xShape,
    filterShape,
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    depthwise,
  );
}

/** The window [top, top+height) x [left, left+width) of an NHWC tensor, copied on the heap. */
export function cropSpatial(
  backend: BackendWasm,
  x: TensorInfo,
  top: number,
  left: number,
  height: number,
  width: number,
): TensorInfo {
  const [n, , , c] = x.shape as [number, number, number, number];
  return sliceOnHeap(backend, x, [0, top, left, 0], [n, height, width, c]);
}

type Numeric = Float32Array | Int32Array | Uint8Array;

/**
 * Copies the block `begin`/`size` of a row-major array of shape `shape` into `dst` (packed). Trailing axes taken
 * whole merge with the last partial axis into one contiguous run; the axes before it are walked by an odometer.
 */
export function copyBlock(
  src: Numeric,
  shape: readonly number[],
  begin: readonly number[],
  size: readonly number[],
  dst: Numeric,
): void {
  const rank = shape.length;
  if (util.sizeFromShape(size as number[]) === 0) return;
  let axis = rank - 1;
  let inner = 1;
  while (axis >= 0 && begin[axis] === 0 && size[axis] === shape[axis]) inner *= shape[axis--]!;
  if (axis < 0) {
    dst.set(src.subarray(0, inner));
    return;
  }
  const strides = [...util.computeStrides(shape as number[]), 1];
  const run = size[axis]! * inner;
  const index = new Array<number>(axis).fill(0);
  let out = 0;
  for (;;) {
    let offset = begin[axis]! * strides[axis]!;
    for (let i = 0; i < axis; i++) offset += (begin[i]! + index[i]!) * strides[i]!;
    dst.set(src.subarray(offset, offset + run), out);
    out += run;
    let i = axis - 1;
    while (i >= 0 && ++index[i]! === size[i]) index[i--] = 0;
    if (i < 0) return;
  }
}

/** The block `begin`/`size` of `x` as a new tensor, copied on the wasm heap (no `readSync` of the whole input). */
export function sliceOnHeap(
  backend: BackendWasm,
  x: TensorInfo,
  begin: number[],
  size: number[],
): TensorInfo {
  const out = backend.makeOutput(size, x.dtype);
  // Views are taken after makeOutput: an allocation can grow (and detach) the wasm memory.
  copyBlock(
    backend.typedArrayFromHeap(x) as Numeric,
    x.shape,
    begin,
    size,
    backend.typedArrayFromHeap(out) as Numeric,
  );
  return out;
}

/**
 * Spreads an NHWC tensor's pixels `strideH`/`strideW` apart with zeros between them (the "dilated"
 * gradient of a strided convolution). The result is `h * strideH` x `w * strideW`: its last
 * `stride - 1` rows and columns are zeros, which callers count as part of their padding.
 * Done with Reshape + PadV2, a plain copy on wasm.
 */
export function spreadSpatial(
  backend: BackendWasm,
  x: TensorInfo,
  strideH: number,
  strideW: number,
): TensorInfo {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  if (strideH === 1 && strideW === 1) return reshapeInfo(backend, x, x.shape);
  const x6 = reshapeInfo(backend, x, [n, h, 1, w, 1, c]);
  const paddings = [
    [0, 0],
    [0, 0],
    [0, strideH - 1],
    [0, 0],
    [0, strideW - 1],
    [0, 0],
  ];
  const padded = runWasm(backend, 'PadV2', { x: x6 }, { paddings, constantValue: 0 });
  const out = reshapeInfo(backend, padded, [n, h * strideH, w * strideW, c]);
  disposeInfos(backend, x6, padded);
  return out;
}

/** How one spatial axis of a convolution's input is cropped and padded: see `fitPadding`. */
export interface AxisFit {
  cropStart: number;
  cropLength: number;
  padBefore: number;
  padAfter: number;
}

/**
 * Explicit padding along one axis for a convolution over `length` input rows that must give exactly
 * `outLength` rows with `stride` and an effective window of `window` rows, starting `before` rows
 * before the input. Negative padding (the convolution would start inside the input, or read fewer rows
 * than it has) becomes a crop of the input instead, as XNNPACK takes no negative padding.
 */
export function fitPadding(
  length: number,
  outLength: number,
  before: number,
  window: number,
  stride = 1,
): AxisFit {
  const cropStart = Math.max(0, -before);
  const padBefore = Math.max(0, before);
  const needed = (outLength - 1) * stride + window; // padded rows the convolution reads
  let cropLength = length - cropStart;
  let padAfter = needed - padBefore - cropLength;
  if (padAfter < 0) {
    cropLength += padAfter;
    padAfter = 0;
  }
  return { cropStart, cropLength, padBefore, padAfter };
}

/** Applies the crops of two `fitPadding` results (rows, columns) to an NHWC tensor; a reshape if none. */
export function cropToFit(
  backend: BackendWasm,
  x: TensorInfo,
  rows: AxisFit,
  cols: AxisFit,
): TensorInfo {
  const [, h, w] = x.shape as [number, number, number, number];
  if (
    rows.cropStart === 0 &&
    cols.cropStart === 0 &&
    rows.cropLength === h &&
    cols.cropLength === w
  ) {
    return reshapeInfo(backend, x, x.shape);
  }
  return cropSpatial(backend, x, rows.cropStart, cols.cropStart, rows.cropLength, cols.cropLength);
}

/** The explicit NHWC padding attribute for two `fitPadding` results. */
export function explicitPad(rows: AxisFit, cols: AxisFit): backend_util.ExplicitPadding {
  return [
    [0, 0],
    [rows.padBefore, rows.padAfter],
    [cols.padBefore, cols.padAfter],
    [0, 0],
  ];
}

/**
 * A kernel registration for the wasm backend. The kernels here take their own typed `{inputs, backend, attrs}`;
 * tfjs's registry holds a generic `KernelFunc`, hence the one cast, made here.
 */
export function wasmKernel<A>(
  kernelName: string,
  kernelFunc: (args: A) => TensorInfo | TensorInfo[],
): KernelConfig {
  return { kernelName, backendName: 'wasm', kernelFunc: kernelFunc as unknown as KernelFunc };
}

/** Where a replacement or wrapper kernel keeps the stock kernel it stands in front of. */
const STOCK = Symbol('stock wasm kernel');

/** A kernel function that may carry the stock kernel it replaces. */
export type ReplacingKernelFunc = KernelFunc & { [STOCK]?: KernelConfig };

/**
 * The stock wasm kernel registered under `kernelName`, looking through this project's replacements (so that
 * registering a replacement twice still reaches the stock one).
 */
export function stockWasmKernel(kernelName: string): KernelConfig {
  const current = getKernel(kernelName, 'wasm');
  if (current === undefined)
    throw new Error(`wasm backend has no '${kernelName}' kernel to replace`);
  return (current.kernelFunc as ReplacingKernelFunc)[STOCK] ?? current;
}

/** Records on `func` the stock kernel it replaces (see {@link stockWasmKernel}); returns `func`. */
export function replacing(func: KernelFunc, stock: KernelConfig): ReplacingKernelFunc {
  (func as ReplacingKernelFunc)[STOCK] = stock;
  return func;
}
