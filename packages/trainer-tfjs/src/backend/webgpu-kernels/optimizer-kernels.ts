/**
 * Fused optimizer updates for the WebGPU backend. Written with tf ops, one AdamW step is ~14 kernels per
 * parameter (and SGD with momentum ~6), each a separate dispatch with its own uniform buffer and bind
 * group; on a GPU node the step is bound by that per-dispatch cost, not by the GPU. Here each output
 * (new parameter, new first and second moments, or momentum buffer) is one dispatch that reads the
 * parameter, its gradient and its state once.
 *
 * The arithmetic follows `adamwUpdate` / `sgdUpdate` in src/optim/rules.ts operation by operation, with
 * the same float32 scalars, so results agree with the tf-op path (checked in backend-check.ts). Import this
 * module only after `@tensorflow/tfjs-backend-webgpu` has loaded (it reads navigator.gpu when it loads).
 */
import { registerKernel, util } from '@tensorflow/tfjs-core';
import type { KernelConfig, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import {
  webgpu_util,
  type WebGPUBackend,
  type WebGPUProgram,
} from '@tensorflow/tfjs-backend-webgpu';
import {
  ADAMW_UPDATE_KERNEL,
  SGD_UPDATE_KERNEL,
  type AdamWKernelAttrs,
  type SgdKernelAttrs,
} from '../../optim/fused-update.ts';

const WORKGROUP: [number, number, number] = [128, 1, 1];

/** An element-wise program over flat float32 inputs of one length, writing `body`'s value per index. */
class ElementwiseProgram implements WebGPUProgram {
  readonly outputShape: number[];
  readonly dispatchLayout: { x: number[] };
  readonly dispatch: [number, number, number];
  readonly workgroupSize = WORKGROUP;
  readonly size = true;

  constructor(
    readonly shaderKey: string,
    readonly variableNames: string[],
    readonly uniforms: string,
    private readonly body: string,
    length: number,
  ) {
    this.outputShape = [length];
    this.dispatchLayout = webgpu_util.flatDispatchLayout(this.outputShape);
    this.dispatch = webgpu_util.computeDispatch(
      this.dispatchLayout,
      this.outputShape,
      this.workgroupSize,
    );
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          ${this.body}
        }
      }`;
  }
}

function flat(t: TensorInfo): TensorInfo {
  return { dataId: t.dataId, dtype: t.dtype, shape: [util.sizeFromShape(t.shape)] };
}

/**
 * Checks a fused update's inputs (all present, float32, one size) and returns how to run one of its programs:
 * `run(shaderKey, reads, body)` dispatches `body` over the inputs named in `reads` (each program declares only
 * the inputs it reads: the pipeline's bind group layout leaves unread ones out) and returns its output shaped as
 * the parameter `p`.
 */
function elementwiseRunner(
  kernel: string,
  backend: unknown,
  inputs: NamedTensorInfoMap,
  names: readonly string[],
  uniforms: { declaration: string; values: number[] },
) {
  const named = new Map<string, TensorInfo>();
  for (const name of names) {
    const t = inputs[name];
    if (t === undefined) throw new Error(`${kernel}: input '${name}' is missing`);
    if (t.dtype !== 'float32')
      throw new Error(`${kernel}: input '${name}' is ${t.dtype}, not float32`);
    named.set(name, t);
  }
  const p = named.get('p')!;
  const length = util.sizeFromShape(p.shape);
  for (const t of named.values()) {
    if (util.sizeFromShape(t.shape) !== length)
      throw new Error(
        `${kernel}: inputs differ in size (${[...named.values()].map((x) => x.shape).join(' / ')})`,
      );
  }
  const gpu = backend as WebGPUBackend;
  const values = uniforms.values.map((v) => ({ type: 'float32', data: [v] }));
  return (shaderKey: string, reads: string[], body: string): TensorInfo => {
    const program = new ElementwiseProgram(shaderKey, reads, uniforms.declaration, body, length);
    const out = gpu.runWebGPUProgram(
      program,
      reads.map((n) => flat(named.get(n)!)),
      'float32',
      values,
    );
    return { dataId: out.dataId, dtype: out.dtype, shape: p.shape };
  };
}

const ADAMW_UNIFORMS =
  'decay : f32, beta1 : f32, oneMinusBeta1 : f32, beta2 : f32, oneMinusBeta2 : f32, negStepSize : f32, bc2Sqrt : f32, eps : f32,';
// Local names must not shadow the input buffers (p, g, m, v): the shader would not compile.
const ADAMW_M =
  'getMByOutputIndex(index) * uniforms.beta1 + getGByOutputIndex(index) * uniforms.oneMinusBeta1';
const ADAMW_V =
  '(getVByOutputIndex(index) * uniforms.beta2 + (getGByOutputIndex(index) * uniforms.oneMinusBeta2) * getGByOutputIndex(index))';

const adamwUpdateConfig: KernelConfig = {
  kernelName: ADAMW_UPDATE_KERNEL,
  backendName: 'webgpu',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const a = attrs as unknown as AdamWKernelAttrs;
    const run = elementwiseRunner(ADAMW_UPDATE_KERNEL, backend, inputs, ['p', 'g', 'm', 'v'], {
      declaration: ADAMW_UNIFORMS,
      values: [a.decay, a.beta1, 1 - a.beta1, a.beta2, 1 - a.beta2, -a.stepSize, a.bc2Sqrt, a.eps],
    });
    return [
      run(
        'sweeps_adamw_param',
        ['p', 'g', 'm', 'v'],
        `let m1 = ${ADAMW_M};
          let denom = sqrt(${ADAMW_V}) / uniforms.bc2Sqrt + uniforms.eps;
          setOutputAtIndex(index, getPByOutputIndex(index) * uniforms.decay + (m1 * uniforms.negStepSize) / denom);`,
      ),
      run('sweeps_adamw_m', ['g', 'm'], `setOutputAtIndex(index, ${ADAMW_M});`),
      run('sweeps_adamw_v', ['g', 'v'], `setOutputAtIndex(index, ${ADAMW_V});`),
    ];
  },
};

const SGD_UNIFORMS =
  'weightDecay : f32, momentum : f32, oneMinusDampening : f32, lr : f32, nesterov : f32, firstStep : f32,';
// d = g + wd * p; buf = first step ? d : momentum * buf + (1 - dampening) * d; d' = nesterov ? d + momentum * buf : buf.
const SGD_BUFFER = `
          let d = getGByOutputIndex(index) + getPByOutputIndex(index) * uniforms.weightDecay;
          var buf = d;
          if (uniforms.firstStep == 0.0) {
            buf = getBByOutputIndex(index) * uniforms.momentum + d * uniforms.oneMinusDampening;
          }`;

const sgdUpdateConfig: KernelConfig = {
  kernelName: SGD_UPDATE_KERNEL,
  backendName: 'webgpu',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const a = attrs as unknown as SgdKernelAttrs;
    const run = elementwiseRunner(SGD_UPDATE_KERNEL, backend, inputs, ['p', 'g', 'b'], {
      declaration: SGD_UNIFORMS,
      values: [
        a.weightDecay,
        a.momentum,
        1 - a.dampening,
        a.lr,
        a.nesterov ? 1 : 0,
        a.firstStep ? 1 : 0,
      ],
    });
    return [
      run(
        'sweeps_sgd_param',
        ['p', 'g', 'b'],
        `${SGD_BUFFER}
          var step = buf;
          if (uniforms.nesterov != 0.0) {
            step = d + buf * uniforms.momentum;
          }
          setOutputAtIndex(index, getPByOutputIndex(index) - step * uniforms.lr);`,
      ),
      run(
        'sweeps_sgd_buffer',
        ['p', 'g', 'b'],
        `${SGD_BUFFER}\n          setOutputAtIndex(index, buf);`,
      ),
    ];
  },
};

let registered = false;

/** Registers the fused AdamW and SGD-with-momentum updates for the webgpu backend (once per process). */
export function registerWebGpuOptimizerKernels(): void {
  if (registered) return;
  registerKernel(adamwUpdateConfig);
  registerKernel(sgdUpdateConfig);
  registered = true;
}
