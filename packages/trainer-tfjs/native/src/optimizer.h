// Fused optimizer updates over float32 arrays: one pass per parameter instead of a dozen element-wise ops.
// Each float operation is the one (and in the order) the trainer's tf-op path performs (src/optim/rules.ts),
// with no fused multiply-add, so the results are the same bits as that path on the wasm backend.
#pragma once
#include <cstdint>

namespace sweeps {

struct AdamWScalars {
  float decay, beta1, one_minus_beta1, beta2, one_minus_beta2, neg_step_size, bc2_sqrt, eps;
  bool decays;  // weight decay on: p * decay (else p as it is)
};

// param = p*decay + (m' * -stepSize) / (sqrt(v') / bc2Sqrt + eps), m' = m*b1 + g*(1-b1), v' = v*b2 + (g*(1-b2))*g
void adamw_update(int64_t n, const AdamWScalars& s, const float* p, const float* g, const float* m, const float* v,
                  float* p_out, float* m_out, float* v_out);

struct SgdScalars {
  float weight_decay, momentum, one_minus_dampening, lr;
  bool decays, dampens, nesterov, first_step;
};

// d = g + p*wd; buf = first ? d : b*momentum + d*(1-dampening); step = nesterov ? d + buf*momentum : buf;
// param = p - step*lr
void sgd_update(int64_t n, const SgdScalars& s, const float* p, const float* g, const float* b, float* p_out,
                float* b_out);

}  // namespace sweeps
