import {
  DepthwiseConv2dNativeBackpropFilter,
  DepthwiseConv2dNativeBackpropInput,
} from '@tensorflow/tfjs-core';
import type { KernelConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  convGeometryOf,
  cropSpatial,
  cropToFit,
  disposeInfos,
  explicitPad,
  fitPadding,
  reshapeInfo,
  runWasm,
  spreadSpatial,
  type ConvGeometry,
  type ConvPad,
  type Pair,
  wasmKernel,
} from './kernel-util.ts';

/** Attributes shared by the two depthwise gradient kernels. */
interface DepthwiseGradAttrs {
  strides: Pair;
  pad: ConvPad;
  dilations?: Pair;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape?: [number, number, number, number];
  filterShape?: [number, number, number, number];
}

/**
 * dx of a depthwise convolution (filter [kh, kw, C, M]): a stride-1 depthwise convolution of the
 * zero-spread dy with the spatially flipped filter as [kh, kw, C*M, 1], then a sum over M.
 */
function depthwiseBackpropInput(args: {
  inputs: { dy: TensorInfo; filter: TensorInfo };
  backend: BackendWasm;
  attrs: NamedAttrMap;
}): TensorInfo {
  const { inputs, backend } = args;
  const attrs = args.attrs as unknown as DepthwiseGradAttrs & {
    inputShape: [number, number, number, number];
  };
  const { dy, filter } = inputs;
  const g = convGeometryOf(attrs.inputShape, filter.shape, attrs, true);
  const [kh, kw, channels, multiplier] = filter.shape as [number, number, number, number];
  const windowH = (kh - 1) * g.dilationHeight + 1;
  const windowW = (kw - 1) * g.dilationWidth + 1;
  const spread = spreadSpatial(backend, dy, g.strideHeight, g.strideWidth);
  const rows = fitPadding(spread.shape[1]!, g.inHeight, windowH - 1 - g.padTop, windowH);
  const cols = fitPadding(spread.shape[2]!, g.inWidth, windowW - 1 - g.padLeft, windowW);
  const dyFit = cropToFit(backend, spread, rows, cols);
  const flipped = runWasm(backend, 'Reverse', { x: filter }, { dims: [0, 1] });
  const perChannel = reshapeInfo(backend, flipped, [kh, kw, channels * multiplier, 1]);
  const full = runWasm(
    backend,
    'DepthwiseConv2dNative',
    { x: dyFit, filter: perChannel },
    {
      strides: [1, 1],
      dilations: [g.dilationHeight, g.dilationWidth],
      pad: explicitPad(rows, cols),
    },
  );
  disposeInfos(backend, spread, dyFit, flipped, perChannel);
  if (multiplier === 1) return full;
  const split = reshapeInfo(backend, full, [g.batch, g.inHeight, g.inWidth, channels, multiplier]);
  const dx = runWasm(backend, 'Sum', { x: split }, { axis: [4], keepDims: false });
  disposeInfos(backend, full, split);
  return dx;
}

/** One filter tap's view of the padded input: rows kh*d, kh*d + s, ... (oh of them), likewise columns. */
function tapOf(
  backend: BackendWasm,
  padded: TensorInfo,
  g: ConvGeometry,
  kh: number,
  kw: number,
): TensorInfo {
  const top = kh * g.dilationHeight;
  const left = kw * g.dilationWidth;
  if (g.strideHeight === 1 && g.strideWidth === 1)
    return cropSpatial(backend, padded, top, left, g.outHeight, g.outWidth);
  const channels = padded.shape[3]!;
  return runWasm(
    backend,
    'StridedSlice',
    { x: padded },
    {
      begin: [0, top, left, 0],
      end: [
        g.batch,
        top + (g.outHeight - 1) * g.strideHeight + 1,
        left + (g.outWidth - 1) * g.strideWidth + 1,
        channels,
      ],
      strides: [1, g.strideHeight, g.strideWidth, 1],
      beginMask: 0,
      endMask: 0,
      ellipsisMask: 0,
      newAxisMask: 0,
      shrinkAxisMask: 0,
    },
  );
}

/**
 * dW of a depthwise convolution, one filter tap at a time: the tap's strided view of the padded input
 * times dy (broadcast over the multiplier), summed over batch and space by XNNPACK average pooling
 * (a wasm Sum over outer axes would transpose the whole tensor first).
 */
function depthwiseBackpropFilter(args: {
  inputs: { x: TensorInfo; dy: TensorInfo };
  backend: BackendWasm;
  attrs: NamedAttrMap;
}): TensorInfo {
  const { inputs, backend } = args;
  const attrs = args.attrs as unknown as DepthwiseGradAttrs & {
    filterShape: [number, number, number, number];
  };
  const { x, dy } = inputs;
  const [kh, kw, channels, multiplier] = attrs.filterShape;
  const g = convGeometryOf(x.shape, attrs.filterShape, attrs, true);
  const rows = fitPadding(
    g.inHeight,
    kh,
    g.padTop,
    (g.outHeight - 1) * g.strideHeight + 1,
    g.dilationHeight,
  );
  const cols = fitPadding(
    g.inWidth,
    kw,
    g.padLeft,
    (g.outWidth - 1) * g.strideWidth + 1,
    g.dilationWidth,
  );
  const xFit = cropToFit(backend, x, rows, cols);
  const padded = runWasm(
    backend,
    'PadV2',
    { x: xFit },
    { paddings: explicitPad(rows, cols), constantValue: 0 },
  );
  const pixels = g.batch * g.outHeight * g.outWidth;
  const width = channels * multiplier;
  const dyParts = reshapeInfo(
    backend,
    dy,
    multiplier === 1 ? dy.shape : [g.batch, g.outHeight, g.outWidth, channels, multiplier],
  );
  const out = backend.makeOutput([kh, kw, channels, multiplier], 'float32');
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const tap = tapOf(backend, padded, g, i, j);
      const tapParts =
        multiplier === 1
          ? reshapeInfo(backend, tap, tap.shape)
          : reshapeInfo(backend, tap, [...tap.shape, 1]);
      const product = runWasm(backend, 'Multiply', { a: tapParts, b: dyParts });
      const column = reshapeInfo(backend, product, [1, pixels, 1, width]);
      const means = runWasm(
        backend,
        'AvgPool',
        { x: column },
        { filterSize: [pixels, 1], strides: [1, 1], pad: 'valid' },
      );
      const sums = (backend.typedArrayFromHeap(means) as Float32Array).map((m) => m * pixels);
      (backend.typedArrayFromHeap(out) as Float32Array).set(sums, (i * kw + j) * width);
      disposeInfos(backend, tap, tapParts, product, column, means);
    }
  }
  disposeInfos(backend, xFit, padded, dyParts);
  return out;
}

/** DepthwiseConv2dNativeBackpropInput for the wasm backend (which has none). */
export const depthwiseBackpropInputConfig: KernelConfig = wasmKernel(
  DepthwiseConv2dNativeBackpropInput,
  depthwiseBackpropInput,
);

/** DepthwiseConv2dNativeBackpropFilter for the wasm backend (which has none). */
export const depthwiseBackpropFilterConfig: KernelConfig = wasmKernel(
  DepthwiseConv2dNativeBackpropFilter,
  depthwiseBackpropFilter,
);
