import type { KernelConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  ADAMW_UPDATE_KERNEL,
  SGD_UPDATE_KERNEL,
  type AdamWKernelAttrs,
  type SgdKernelAttrs,
} from '../../optim/fused-update.ts';
import { wasmKernel } from './kernel-util.ts';

/**
 * Fused optimizer updates on the wasm heap: one pass over each parameter instead of ~14 tf ops (each a
 * kernel call that allocates its output). Every operation is rounded to float32 with Math.fround in the
 * order `adamwUpdate` / `sgdUpdate` (src/optim/rules.ts) apply them, so the results are the same bits
 * the tf-op path gives on this backend.
 */
const f = Math.fround;

function float32Inputs(
  kernel: string,
  inputs: Record<string, TensorInfo | undefined>,
): TensorInfo[] {
  const list = Object.entries(inputs).map(([name, t]) => {
    if (t === undefined) throw new Error(`${kernel}: input '${name}' is missing`);
    if (t.dtype !== 'float32')
      throw new Error(`${kernel}: input '${name}' is ${t.dtype}, not float32`);
    return t;
  });
  const size = (t: TensorInfo) => t.shape.reduce((a, b) => a * b, 1);
  if (list.some((t) => size(t) !== size(list[0]!)))
    throw new Error(`${kernel}: inputs differ in size (${list.map((t) => t.shape).join(' / ')})`);
  return list;
}

type Args = { inputs: Record<string, TensorInfo>; backend: BackendWasm; attrs: NamedAttrMap };

function adamwUpdate({ inputs, backend, attrs }: Args): TensorInfo[] {
  const [p, g, m, v] = float32Inputs(ADAMW_UPDATE_KERNEL, {
    p: inputs.p,
    g: inputs.g,
    m: inputs.m,
    v: inputs.v,
  }) as [TensorInfo, TensorInfo, TensorInfo, TensorInfo];
  const a = attrs as unknown as AdamWKernelAttrs;
  // Outputs first: making one may grow the heap, which detaches typed arrays taken before.
  const outs = [p, m, v].map(() => backend.makeOutput(p.shape, 'float32'));
  const [pOut, mOut, vOut] = outs.map((t) => backend.typedArrayFromHeap(t) as Float32Array) as [
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  const [pIn, gIn, mIn, vIn] = [p, g, m, v].map(
    (t) => backend.typedArrayFromHeap(t) as Float32Array,
  ) as [Float32Array, Float32Array, Float32Array, Float32Array];
  const decay = f(a.decay);
  const beta1 = f(a.beta1);
  const oneMinusBeta1 = f(1 - a.beta1);
  const beta2 = f(a.beta2);
  const oneMinusBeta2 = f(1 - a.beta2);
  const negStepSize = f(-a.stepSize);
  const bc2Sqrt = f(a.bc2Sqrt);
  const eps = f(a.eps);
  const decayed = a.decay !== 1;
  for (let i = 0; i < pIn.length; i++) {
    const grad = gIn[i]!;
    const m1 = f(f(mIn[i]! * beta1) + f(grad * oneMinusBeta1));
    const v1 = f(f(vIn[i]! * beta2) + f(f(grad * oneMinusBeta2) * grad));
    const denom = f(f(f(Math.sqrt(v1)) / bc2Sqrt) + eps);
    const base = decayed ? f(pIn[i]! * decay) : pIn[i]!;
    pOut[i] = f(base + f(f(m1 * negStepSize) / denom));
    mOut[i] = m1;
    vOut[i] = v1;
  }
  return outs;
}

function sgdUpdate({ inputs, backend, attrs }: Args): TensorInfo[] {
  const [p, g, b] = float32Inputs(SGD_UPDATE_KERNEL, { p: inputs.p, g: inputs.g, b: inputs.b }) as [
    TensorInfo,
    TensorInfo,
    TensorInfo,
  ];
  const a = attrs as unknown as SgdKernelAttrs;
  const outs = [p, b].map(() => backend.makeOutput(p.shape, 'float32'));
  const [pOut, bOut] = outs.map((t) => backend.typedArrayFromHeap(t) as Float32Array) as [
    Float32Array,
    Float32Array,
  ];
  const [pIn, gIn, bIn] = [p, g, b].map((t) => backend.typedArrayFromHeap(t) as Float32Array) as [
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  const wd = f(a.weightDecay);
  const momentum = f(a.momentum);
  const oneMinusDampening = f(1 - a.dampening);
  const lr = f(a.lr);
  for (let i = 0; i < pIn.length; i++) {
    const d = a.weightDecay !== 0 ? f(gIn[i]! + f(pIn[i]! * wd)) : gIn[i]!;
    const damped = a.dampening === 0 ? d : f(d * oneMinusDampening);
    const buf = a.firstStep ? d : f(f(bIn[i]! * momentum) + damped);
    const step = a.nesterov ? f(d + f(buf * momentum)) : buf;
    pOut[i] = f(pIn[i]! - f(step * lr));
    bOut[i] = buf;
  }
  return outs;
}

/** The fused AdamW and SGD-with-momentum updates for the wasm backend. */
export const optimizerUpdateConfigs: readonly KernelConfig[] = [
  wasmKernel(ADAMW_UPDATE_KERNEL, adamwUpdate),
  wasmKernel(SGD_UPDATE_KERNEL, sgdUpdate),
];
