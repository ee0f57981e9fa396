import type { BenchLine } from './ref-resnet.ts';
import type { TorchLine } from './torch-reference.ts';

/**
 * How an entry compares with PyTorch on one thread, measured in the same command: wall-clock rates (median
 * step) and rates per CPU second of each process. On a shared machine the second is the steadier one: a
 * process waiting for the core costs wall-clock time but no CPU time.
 */
export interface RatioLine {
  name: string;
  backend: 'ratio';
  train_vs_pytorch: number;
  inference_vs_pytorch: number;
  train_per_cpu_s_vs_pytorch?: number;
  inference_per_cpu_s_vs_pytorch?: number;
  pytorch_train_images_per_s: number;
}

const ratio = (a: unknown, b: unknown): number | undefined =>
  typeof a === 'number' && typeof b === 'number' && b > 0
    ? Math.round((a / b) * 100) / 100
    : undefined;

/** The ratios of one entry's line to PyTorch's line of the same name. */
export function ratioLine(line: BenchLine, torch: TorchLine): RatioLine {
  const perCpu = ratio(line['train_images_per_cpu_s'], torch['train_images_per_cpu_s']);
  const inferPerCpu = ratio(
    line['inference_images_per_cpu_s'],
    torch['inference_images_per_cpu_s'],
  );
  return {
    name: line.name,
    backend: 'ratio',
    train_vs_pytorch: ratio(line.train_images_per_s, torch.train_images_per_s) ?? 0,
    inference_vs_pytorch: ratio(line.inference_images_per_s, torch.inference_images_per_s) ?? 0,
    ...(perCpu === undefined ? {} : { train_per_cpu_s_vs_pytorch: perCpu }),
    ...(inferPerCpu === undefined ? {} : { inference_per_cpu_s_vs_pytorch: inferPerCpu }),
    pytorch_train_images_per_s: torch.train_images_per_s,
  };
}
