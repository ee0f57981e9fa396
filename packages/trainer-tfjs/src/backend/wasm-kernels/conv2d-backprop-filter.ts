import { Conv2DBackpropFilter } from '@tensorflow/tfjs-core';
import type { KernelConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  assertNhwc,
  convGeometryOf,
  cropToFit,
  disposeInfos,
  explicitPad,
  fitPadding,
  runWasm,
  type ConvPad,
  type Pair,
  wasmKernel,
} from './kernel-util.ts';

/** Attributes of Conv2DBackpropFilter; `dilations` is an extension (tfjs' own gradient never sets it). */
interface BackpropFilterAttrs {
  strides: Pair;
  pad: ConvPad;
  dataFormat?: string;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
  dilations?: Pair;
}

/**
 * dW[kh, kw, ci, co] = sum over n, oh, ow of x[n, oh*s + kh*d - pad, ci] * dy[n, oh, ow, co].
 * Swapping batch and channels turns that sum into one forward convolution the wasm backend runs with
 * XNNPACK: input xT = x as [ci, H, W, n], filter dyT = dy as [oh, ow, n, co], stride = the forward
 * dilation, dilation = the forward stride. Its output [ci, kh, kw, co] is transposed back.
 */
function conv2dBackpropFilter(args: {
  inputs: { x: TensorInfo; dy: TensorInfo };
  backend: BackendWasm;
  attrs: NamedAttrMap;
}): TensorInfo {
  const { inputs, backend } = args;
  const attrs = args.attrs as unknown as BackpropFilterAttrs;
  assertNhwc(Conv2DBackpropFilter, attrs.dataFormat);
  const { x, dy } = inputs;
  const g = convGeometryOf(x.shape, attrs.filterShape, attrs);
  const windowH = (g.outHeight - 1) * g.strideHeight + 1;
  const windowW = (g.outWidth - 1) * g.strideWidth + 1;
  const rows = fitPadding(g.inHeight, g.filterHeight, g.padTop, windowH, g.dilationHeight);
  const cols = fitPadding(g.inWidth, g.filterWidth, g.padLeft, windowW, g.dilationWidth);

  const xT = runWasm(backend, 'Transpose', { x }, { perm: [3, 1, 2, 0] });
  const xFit = cropToFit(backend, xT, rows, cols);
  const dyT = runWasm(backend, 'Transpose', { x: dy }, { perm: [1, 2, 0, 3] });
  const grad = runWasm(
    backend,
    'Conv2D',
    { x: xFit, filter: dyT },
    {
      strides: [g.dilationHeight, g.dilationWidth],
      dilations: [g.strideHeight, g.strideWidth],
      pad: explicitPad(rows, cols),
      dataFormat: 'NHWC',
    },
  );
  const out = runWasm(backend, 'Transpose', { x: grad }, { perm: [1, 2, 0, 3] });
  disposeInfos(backend, xT, xFit, dyT, grad);
  return out;
}

/** Conv2DBackpropFilter for the wasm backend (which has none): the filter gradient of conv2d. */
export const conv2dBackpropFilterConfig: KernelConfig = wasmKernel(
  Conv2DBackpropFilter,
  conv2dBackpropFilter,
);
