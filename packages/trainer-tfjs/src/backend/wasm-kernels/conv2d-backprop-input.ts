import { Conv2DBackpropInput } from '@tensorflow/tfjs-core';
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
  spreadSpatial,
  type ConvPad,
  type Pair,
  wasmKernel,
} from './kernel-util.ts';
import { flippedSwappedTaps, range } from './filter-util.ts';
import { inputGradByPhases } from './input-grad-phases.ts';

/** Attributes of Conv2DBackpropInput; `dilations` is an extension (tfjs' own gradient never sets it). */
interface BackpropInputAttrs {
  inputShape: [number, number, number, number];
  strides: Pair;
  pad: ConvPad;
  dataFormat?: string;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dilations?: Pair;
}

/**
 * dx = a stride-1 convolution of dy with the filter flipped in space and its in/out channels swapped,
 * padded by (k-1)*d - pad before; strided convolutions go by phases (see input-grad-phases.ts), or,
 * when also dilated, convolve dy spread `stride` apart with zeros. It runs on the wasm backend's
 * XNNPACK Conv2D, several times faster than the stock wasm Conv2DBackpropInput loop.
 */
function conv2dBackpropInput(args: {
  inputs: { dy: TensorInfo; filter: TensorInfo };
  backend: BackendWasm;
  attrs: NamedAttrMap;
}): TensorInfo {
  const { inputs, backend } = args;
  const attrs = args.attrs as unknown as BackpropInputAttrs;
  assertNhwc(Conv2DBackpropInput, attrs.dataFormat);
  const { dy, filter } = inputs;
  const g = convGeometryOf(attrs.inputShape, filter.shape, attrs);
  if (
    (g.strideHeight > 1 || g.strideWidth > 1) &&
    g.dilationHeight === 1 &&
    g.dilationWidth === 1
  ) {
    return inputGradByPhases(backend, dy, filter, g);
  }
  const windowH = (g.filterHeight - 1) * g.dilationHeight + 1;
  const windowW = (g.filterWidth - 1) * g.dilationWidth + 1;
  const spread = spreadSpatial(backend, dy, g.strideHeight, g.strideWidth);
  const rows = fitPadding(spread.shape[1]!, g.inHeight, windowH - 1 - g.padTop, windowH);
  const cols = fitPadding(spread.shape[2]!, g.inWidth, windowW - 1 - g.padLeft, windowW);
  const dyFit = cropToFit(backend, spread, rows, cols);

  const swapped = flippedSwappedTaps(backend, filter, range(g.filterHeight), range(g.filterWidth));
  const dx = runWasm(
    backend,
    'Conv2D',
    { x: dyFit, filter: swapped },
    {
      strides: [1, 1],
      dilations: [g.dilationHeight, g.dilationWidth],
      pad: explicitPad(rows, cols),
      dataFormat: 'NHWC',
    },
  );
  disposeInfos(backend, spread, dyFit, swapped);
  return dx;
}

/** Conv2DBackpropInput for the wasm backend, replacing its slow stock kernel: the input gradient of conv2d. */
export const conv2dBackpropInputConfig: KernelConfig = wasmKernel(
  Conv2DBackpropInput,
  conv2dBackpropInput,
);
