#include "batch-norm.h"

#include <cmath>
#include <vector>

namespace sweeps {

// Per-channel sums are kept in double: a channel of a 128 px batch has a quarter of a million values.

void batch_norm_train(int64_t rows, int64_t channels, const float* x, const float* gamma, const float* beta,
                      float epsilon, float* y, float* mean, float* variance, float* rstd, float* centred) {
  std::vector<double> sums(channels, 0.0);
  for (int64_t r = 0; r < rows; r++) {
    const float* row = x + r * channels;
    for (int64_t c = 0; c < channels; c++) sums[c] += row[c];
  }
  std::vector<float> m(channels);
  for (int64_t c = 0; c < channels; c++) m[c] = mean[c] = static_cast<float>(sums[c] / rows);
  std::fill(sums.begin(), sums.end(), 0.0);
  for (int64_t r = 0; r < rows; r++) {
    const float* row = x + r * channels;
    float* out = centred + r * channels;
    for (int64_t c = 0; c < channels; c++) {
      const float d = row[c] - m[c];
      out[c] = d;
      sums[c] += static_cast<double>(d) * d;
    }
  }
  std::vector<float> scale(channels), shift(channels);
  for (int64_t c = 0; c < channels; c++) {
    variance[c] = static_cast<float>(sums[c] / rows);
    rstd[c] = static_cast<float>(1.0 / std::sqrt(static_cast<double>(variance[c]) + epsilon));
    scale[c] = rstd[c] * gamma[c];
    shift[c] = beta[c];
  }
  for (int64_t r = 0; r < rows; r++) {
    const float* in = centred + r * channels;
    float* out = y + r * channels;
    for (int64_t c = 0; c < channels; c++) out[c] = in[c] * scale[c] + shift[c];
  }
}

void batch_norm_grad(int64_t rows, int64_t channels, const float* dy, const float* centred, const float* rstd,
                     const float* gamma, float* dx, float* dgamma, float* dbeta) {
  std::vector<double> dy_sums(channels, 0.0), product_sums(channels, 0.0);
  for (int64_t r = 0; r < rows; r++) {
    const float* g = dy + r * channels;
    const float* c_row = centred + r * channels;
    for (int64_t c = 0; c < channels; c++) {
      dy_sums[c] += g[c];
      product_sums[c] += static_cast<double>(g[c]) * c_row[c];
    }
  }
  std::vector<float> a(channels), b(channels), k(channels);
  for (int64_t c = 0; c < channels; c++) {
    dbeta[c] = static_cast<float>(dy_sums[c]);
    dgamma[c] = static_cast<float>(product_sums[c] * rstd[c]);
    a[c] = rstd[c] * gamma[c];
    b[c] = -a[c] * rstd[c] * dgamma[c] / static_cast<float>(rows);
    k[c] = -a[c] * dbeta[c] / static_cast<float>(rows);
  }
  for (int64_t r = 0; r < rows; r++) {
    const float* g = dy + r * channels;
    const float* c_row = centred + r * channels;
    float* out = dx + r * channels;
    for (int64_t c = 0; c < channels; c++) out[c] = g[c] * a[c] + c_row[c] * b[c] + k[c];
  }
}

}  // namespace sweeps
