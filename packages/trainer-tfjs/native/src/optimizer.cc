#include "optimizer.h"

#include <cmath>

namespace sweeps {

void adamw_update(int64_t n, const AdamWScalars& s, const float* p, const float* g, const float* m, const float* v,
                  float* p_out, float* m_out, float* v_out) {
  for (int64_t i = 0; i < n; i++) {
    const float gi = g[i];
    const float m1 = m[i] * s.beta1 + gi * s.one_minus_beta1;
    const float v1 = v[i] * s.beta2 + (gi * s.one_minus_beta2) * gi;
    const float denom = std::sqrt(v1) / s.bc2_sqrt + s.eps;
    const float decayed = s.decays ? p[i] * s.decay : p[i];
    p_out[i] = decayed + (m1 * s.neg_step_size) / denom;
    m_out[i] = m1;
    v_out[i] = v1;
  }
}

void sgd_update(int64_t n, const SgdScalars& s, const float* p, const float* g, const float* b, float* p_out,
                float* b_out) {
  for (int64_t i = 0; i < n; i++) {
    const float d = s.decays ? g[i] + p[i] * s.weight_decay : g[i];
    const float buf = s.first_step ? d : b[i] * s.momentum + (s.dampens ? d * s.one_minus_dampening : d);
    const float step = s.nesterov ? d + buf * s.momentum : buf;
    p_out[i] = p[i] - step * s.lr;
    b_out[i] = buf;
  }
}

}  // namespace sweeps
