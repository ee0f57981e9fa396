#include "matmul.h"

#include "dnnl.h"

namespace sweeps {

bool batch_matmul(int64_t batch, int64_t batch_a, int64_t batch_b, int64_t m, int64_t n, int64_t k,
                  bool transpose_a, bool transpose_b, const float* a, const float* b, float* c) {
  const int64_t lda = transpose_a ? m : k;
  const int64_t ldb = transpose_b ? k : n;
  for (int64_t i = 0; i < batch; i++) {
    const float* ai = a + (batch_a == 1 ? 0 : i) * m * k;
    const float* bi = b + (batch_b == 1 ? 0 : i) * k * n;
    const dnnl_status_t status = dnnl_sgemm(transpose_a ? 'T' : 'N', transpose_b ? 'T' : 'N', m, n, k, 1.0f, ai,
                                            lda, bi, ldb, 0.0f, c + i * m * n, n);
    if (status != dnnl_success) return false;
  }
  return true;
}

}  // namespace sweeps
