import { Conv2D, Conv2DBackpropFilter, Conv2DBackpropInput } from '@tensorflow/tfjs-core';
import type { KernelConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  assertNhwc,
  convGeometryOf,
  type ConvGeometry,
  type ConvAttrs as KernelConvAttrs,
  wasmKernel,
} from '../wasm-kernels/kernel-util.ts';
import { read } from '../wasm-kernels/channel-ops.ts';
import type { NativeCpuKernels } from './load-native.ts';

/** The geometry array the addon takes: batch, in h/w/c, out h/w/c, filter h/w, strides, dilations, pads. */
function geometryArray(g: ConvGeometry, outChannels: number): number[] {
  return [
    g.batch,
    g.inHeight,
    g.inWidth,
    g.inChannels,
    g.outHeight,
    g.outWidth,
    outChannels,
    g.filterHeight,
    g.filterWidth,
    g.strideHeight,
    g.strideWidth,
    g.dilationHeight,
    g.dilationWidth,
    g.padTop,
    g.padLeft,
  ];
}

function assertFloat32(kernelName: string, ...infos: TensorInfo[]): void {
  for (const info of infos) {
    if (info.dtype !== 'float32') {
      throw new Error(
        `${kernelName} on the native CPU kernels takes float32 tensors, got ${info.dtype}`,
      );
    }
  }
}

/** Whether the convolution has no input or output elements (an empty batch, say): nothing to compute. */
function isEmpty(g: ConvGeometry, outChannels: number): boolean {
  return [
    g.batch,
    g.inHeight,
    g.inWidth,
    g.inChannels,
    g.outHeight,
    g.outWidth,
    outChannels,
  ].includes(0);
}

/** `info` filled with zeros (a new wasm output holds whatever the heap held). */
function zeroed(backend: BackendWasm, info: TensorInfo): TensorInfo {
  read(backend, info).fill(0);
  return info;
}

type ConvAttrs = KernelConvAttrs & { dataFormat?: string };

type NativeConv = (a: Float32Array, b: Float32Array, out: Float32Array, geometry: number[]) => void;

/**
 * A new `shape` output that the addon's `run` fills from inputs `a` and `b` (zeros, without calling it, when the
 * convolution has nothing to compute).
 */
function convInto(
  backend: BackendWasm,
  a: TensorInfo,
  b: TensorInfo,
  shape: number[],
  g: ConvGeometry,
  outChannels: number,
  run: NativeConv,
): TensorInfo {
  const out = backend.makeOutput(shape, 'float32');
  if (isEmpty(g, outChannels)) return zeroed(backend, out);
  // Views only after the allocation: growing the heap detaches earlier ones.
  run(read(backend, a), read(backend, b), read(backend, out), geometryArray(g, outChannels));
  return out;
}

/**
 * The three kernels of a 2-D convolution's training step on the wasm backend, computed by the native addon
 * (oneDNN, in place on the wasm heap) instead of XNNPACK's 4-lane SIMD. Tensors stay on the
 * wasm heap, so every other kernel is the wasm backend's own.
 */
export function nativeConvKernelConfigs(native: NativeCpuKernels): KernelConfig[] {
  function conv2d(args: {
    inputs: { x: TensorInfo; filter: TensorInfo };
    backend: BackendWasm;
    attrs: NamedAttrMap;
  }): TensorInfo {
    const { backend } = args;
    const { x, filter } = args.inputs;
    const attrs = args.attrs as unknown as ConvAttrs;
    assertNhwc(Conv2D, attrs.dataFormat);
    assertFloat32(Conv2D, x, filter);
    const g = convGeometryOf(x.shape, filter.shape, attrs);
    const outChannels = filter.shape[3]!;
    const shape = [g.batch, g.outHeight, g.outWidth, outChannels];
    return convInto(backend, x, filter, shape, g, outChannels, native.conv2dForward);
  }

  function backpropInput(args: {
    inputs: { dy: TensorInfo; filter: TensorInfo };
    backend: BackendWasm;
    attrs: NamedAttrMap;
  }): TensorInfo {
    const { backend } = args;
    const { dy, filter } = args.inputs;
    const attrs = args.attrs as unknown as ConvAttrs & {
      inputShape: [number, number, number, number];
    };
    assertNhwc(Conv2DBackpropInput, attrs.dataFormat);
    assertFloat32(Conv2DBackpropInput, dy, filter);
    const g = convGeometryOf(attrs.inputShape, filter.shape, attrs);
    const shape = [...attrs.inputShape];
    return convInto(backend, dy, filter, shape, g, filter.shape[3]!, native.conv2dBackpropInput);
  }

  function backpropFilter(args: {
    inputs: { x: TensorInfo; dy: TensorInfo };
    backend: BackendWasm;
    attrs: NamedAttrMap;
  }): TensorInfo {
    const { backend } = args;
    const { x, dy } = args.inputs;
    const attrs = args.attrs as unknown as ConvAttrs & {
      filterShape: [number, number, number, number];
    };
    assertNhwc(Conv2DBackpropFilter, attrs.dataFormat);
    assertFloat32(Conv2DBackpropFilter, x, dy);
    const g = convGeometryOf(x.shape, attrs.filterShape, attrs);
    const shape = [...attrs.filterShape];
    return convInto(backend, x, dy, shape, g, attrs.filterShape[3], native.conv2dBackpropFilter);
  }

  return [
    wasmKernel(Conv2D, conv2d),
    wasmKernel(Conv2DBackpropInput, backpropInput),
    wasmKernel(Conv2DBackpropFilter, backpropFilter),
  ];
}
