// Training-mode batch normalisation over the rows of a [rows, channels] float32 matrix (NHWC flattened),
// the forward pass and its gradient, as the trainer's SweepsBatchNormTrain / SweepsBatchNormGrad kernels
// define them (biased variance, the centred input kept for the gradient).
#pragma once
#include <cstdint>

namespace sweeps {

// mean, variance (biased), rstd = 1 / sqrt(variance + epsilon), centred = x - mean,
// y = centred * gamma * rstd + beta.
void batch_norm_train(int64_t rows, int64_t channels, const float* x, const float* gamma, const float* beta,
                      float epsilon, float* y, float* mean, float* variance, float* rstd, float* centred);

// dbeta = sum(dy), dgamma = rstd * sum(dy * centred),
// dx = dy * gamma * rstd - centred * gamma * rstd^2 * dgamma / rows - gamma * rstd * dbeta / rows.
void batch_norm_grad(int64_t rows, int64_t channels, const float* dy, const float* centred, const float* rstd,
                     const float* gamma, float* dx, float* dgamma, float* dbeta);

}  // namespace sweeps
