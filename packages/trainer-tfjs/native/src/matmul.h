// Batched matrix products of row-major float32 matrices on oneDNN's sgemm (its JIT kernels, no primitive to
// make per shape, which suits products whose row count changes every step, such as a detector's RoIs).
#pragma once
#include <cstdint>

namespace sweeps {

// c[i] = op(a[i]) x op(b[i]) for i < batch, op = transpose where asked; a batch of 1 on either side is used
// for every i. a[i] is m x k (k x m transposed), b[i] is k x n (n x k transposed), c[i] is m x n.
// Returns false when oneDNN refuses the arguments.
bool batch_matmul(int64_t batch, int64_t batch_a, int64_t batch_b, int64_t m, int64_t n, int64_t k,
                  bool transpose_a, bool transpose_b, const float* a, const float* b, float* c);

}  // namespace sweeps
