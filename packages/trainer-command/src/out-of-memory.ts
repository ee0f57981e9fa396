/**
 * Out of GPU memory, as a training process says it: PyTorch's `CUDA out of memory` (`torch.OutOfMemoryError`,
 * `torch.cuda.OutOfMemoryError`) and cuDNN's or cuBLAS's allocation failures. A trial whose process exits non-zero
 * after such a line fails with the reason `oom` (command and mmdet trainers).
 */
const OUT_OF_MEMORY =
  /CUDA out of memory|OutOfMemoryError|CUDNN_STATUS_ALLOC_FAILED|CUBLAS_STATUS_ALLOC_FAILED/;

export function isOutOfMemoryLine(line: string): boolean {
  return OUT_OF_MEMORY.test(line);
}
