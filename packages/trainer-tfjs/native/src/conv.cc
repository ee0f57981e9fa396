// Convolutions of the trainer's CPU path on oneDNN, the library PyTorch's CPU convolutions use. Activations
// stay in TensorFlow.js's NHWC layout (in the wasm heap); filters are reordered between tfjs' [kh, kw, ci, co]
// ("hwio") and the layout oneDNN's kernel for the CPU prefers. Primitives are made once per geometry.
#include "conv.h"

#include <omp.h>

#include <array>
#include <map>
#include <memory>
#include <mutex>

#include "dnnl.hpp"

namespace sweeps {
namespace {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

dnnl::engine& cpu_engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

dnnl::stream& cpu_stream() {
  static dnnl::stream stream(cpu_engine());
  return stream;
}

struct Descs {
  memory::desc src, weights_user, weights_any, dst;
  memory::dims strides, dilates, pad_l, pad_r;
};

Descs descs_of(const ConvGeometry& g) {
  const memory::dim range_h = (g.filter_h - 1) * g.dilation_h + 1;
  const memory::dim range_w = (g.filter_w - 1) * g.dilation_w + 1;
  Descs d;
  d.src = memory::desc({g.batch, g.in_c, g.in_h, g.in_w}, dt::f32, tag::nhwc);
  d.dst = memory::desc({g.batch, g.out_c, g.out_h, g.out_w}, dt::f32, tag::nhwc);
  d.weights_user = memory::desc({g.out_c, g.in_c, g.filter_h, g.filter_w}, dt::f32, tag::hwio);
  d.weights_any = memory::desc({g.out_c, g.in_c, g.filter_h, g.filter_w}, dt::f32, tag::any);
  d.strides = {g.stride_h, g.stride_w};
  d.dilates = {g.dilation_h - 1, g.dilation_w - 1};
  d.pad_l = {g.pad_top, g.pad_left};
  // May be negative (down to 1 - stride) where the last window ends before the input does.
  d.pad_r = {(g.out_h - 1) * g.stride_h + range_h - g.in_h - g.pad_top,
             (g.out_w - 1) * g.stride_w + range_w - g.in_w - g.pad_left};
  return d;
}

dnnl::convolution_forward::primitive_desc forward_pd(const Descs& d) {
  dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct,
                                       d.src, d.weights_any, d.dst, d.strides, d.dilates, d.pad_l, d.pad_r);
  return dnnl::convolution_forward::primitive_desc(desc, cpu_engine());
}

// Everything one geometry needs, made on first use: the three primitives, the filter reorders between tfjs'
// layout and each primitive's, and the buffers of the reordered filters.
struct Plan {
  Descs d;
  dnnl::convolution_forward fwd;
  memory fwd_weights;  // the filter in the forward primitive's layout (empty when that is hwio)
  dnnl::reorder to_fwd_weights;

  bool has_bwd_data = false;
  dnnl::convolution_backward_data bwd_data;
  memory bwd_data_weights;
  dnnl::reorder to_bwd_data_weights;

  bool has_bwd_weights = false;
  dnnl::convolution_backward_weights bwd_weights;
  memory bwd_diff_weights;  // the filter gradient in the primitive's layout (empty when that is hwio)
  dnnl::reorder from_bwd_diff_weights;
  dnnl::convolution_forward::primitive_desc fwd_pd;
};

using Key = std::array<int64_t, 15>;
constexpr size_t kMaxPlans = 256;

Key key_of(const ConvGeometry& g) {
  return {g.batch,    g.in_h,     g.in_w,       g.in_c,       g.out_h,   g.out_w,   g.out_c,   g.filter_h,
          g.filter_w, g.stride_h, g.stride_w, g.dilation_h, g.dilation_w, g.pad_top, g.pad_left};
}

std::map<Key, std::unique_ptr<Plan>>& plans() {
  static std::map<Key, std::unique_ptr<Plan>> cache;
  return cache;
}

// A memory in `wanted` layout fed by a reorder from `user`, or an empty memory when the layouts agree.
void weights_in(const memory::desc& user, const memory::desc& wanted, memory* buffer, dnnl::reorder* reorder) {
  if (wanted == user) return;
  *buffer = memory(wanted, cpu_engine());
  *reorder = dnnl::reorder(memory(user, cpu_engine(), DNNL_MEMORY_NONE), *buffer);
}

Plan& plan_for(const ConvGeometry& g) {
  auto& cache = plans();
  const Key key = key_of(g);
  auto found = cache.find(key);
  if (found != cache.end()) return *found->second;
  // A detector sees a few shapes per input size; a process that keeps meeting new ones starts over.
  if (cache.size() >= kMaxPlans) cache.clear();
  auto plan = std::make_unique<Plan>();
  plan->d = descs_of(g);
  plan->fwd_pd = forward_pd(plan->d);
  plan->fwd = dnnl::convolution_forward(plan->fwd_pd);
  weights_in(plan->d.weights_user, plan->fwd_pd.weights_desc(), &plan->fwd_weights, &plan->to_fwd_weights);
  return *cache.emplace(key, std::move(plan)).first->second;
}

void ensure_bwd_data(Plan& p) {
  if (p.has_bwd_data) return;
  dnnl::convolution_backward_data::desc desc(dnnl::algorithm::convolution_direct, p.d.src, p.d.weights_any, p.d.dst,
                                             p.d.strides, p.d.dilates, p.d.pad_l, p.d.pad_r);
  dnnl::convolution_backward_data::primitive_desc pd(desc, cpu_engine(), p.fwd_pd);
  p.bwd_data = dnnl::convolution_backward_data(pd);
  weights_in(p.d.weights_user, pd.weights_desc(), &p.bwd_data_weights, &p.to_bwd_data_weights);
  p.has_bwd_data = true;
}

void ensure_bwd_weights(Plan& p) {
  if (p.has_bwd_weights) return;
  dnnl::convolution_backward_weights::desc desc(dnnl::algorithm::convolution_direct, p.d.src, p.d.weights_any,
                                                p.d.dst, p.d.strides, p.d.dilates, p.d.pad_l, p.d.pad_r);
  dnnl::convolution_backward_weights::primitive_desc pd(desc, cpu_engine(), p.fwd_pd);
  p.bwd_weights = dnnl::convolution_backward_weights(pd);
  if (!(pd.diff_weights_desc() == p.d.weights_user)) {
    p.bwd_diff_weights = memory(pd.diff_weights_desc(), cpu_engine());
    p.from_bwd_diff_weights = dnnl::reorder(p.bwd_diff_weights, memory(p.d.weights_user, cpu_engine(), DNNL_MEMORY_NONE));
  }
  p.has_bwd_weights = true;
}

memory wrap(const memory::desc& desc, const float* data) {
  return memory(desc, cpu_engine(), const_cast<float*>(data));
}

// The filter as the primitive wants it: reordered into `buffer` when the layouts differ, else the user's.
memory filter_for(const memory::desc& user, const float* w, memory& buffer, dnnl::reorder& reorder) {
  memory user_memory = wrap(user, w);
  if (!buffer) return user_memory;
  reorder.execute(cpu_stream(), {{DNNL_ARG_FROM, user_memory}, {DNNL_ARG_TO, buffer}});
  return buffer;
}

std::mutex& lock() {
  static std::mutex m;
  return m;
}

}  // namespace

const char* check_geometry(const ConvGeometry& g) {
  const int64_t values[] = {g.batch,    g.in_h,     g.in_w,     g.in_c,       g.out_h,      g.out_w, g.out_c,
                            g.filter_h, g.filter_w, g.stride_h, g.stride_w, g.dilation_h, g.dilation_w};
  for (int64_t v : values) {
    if (v < 1) return "every size, stride and dilation must be at least 1";
  }
  if (g.pad_top < 0 || g.pad_left < 0) return "padding must not be negative";
  const int64_t limit = int64_t{1} << 31;
  if (g.batch * g.in_h * g.in_w * g.in_c >= limit || g.batch * g.out_h * g.out_w * g.out_c >= limit ||
      g.filter_h * g.filter_w * g.in_c * g.out_c >= limit) {
    return "a tensor has 2^31 elements or more";
  }
  const int64_t range_h = (g.filter_h - 1) * g.dilation_h + 1;
  const int64_t range_w = (g.filter_w - 1) * g.dilation_w + 1;
  const int64_t pad_bottom = (g.out_h - 1) * g.stride_h + range_h - g.in_h - g.pad_top;
  const int64_t pad_right = (g.out_w - 1) * g.stride_w + range_w - g.in_w - g.pad_left;
  if (pad_bottom + g.stride_h <= 0 || pad_right + g.stride_w <= 0) {
    return "the output is smaller than the input and padding give";
  }
  return "";
}

void conv2d_forward(const ConvGeometry& g, const float* x, const float* w, float* y) {
  std::lock_guard<std::mutex> guard(lock());
  Plan& p = plan_for(g);
  memory weights = filter_for(p.d.weights_user, w, p.fwd_weights, p.to_fwd_weights);
  p.fwd.execute(cpu_stream(),
                {{DNNL_ARG_SRC, wrap(p.d.src, x)}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DST, wrap(p.d.dst, y)}});
  cpu_stream().wait();
}

void conv2d_backprop_input(const ConvGeometry& g, const float* dy, const float* w, float* dx) {
  std::lock_guard<std::mutex> guard(lock());
  Plan& p = plan_for(g);
  ensure_bwd_data(p);
  memory weights = filter_for(p.d.weights_user, w, p.bwd_data_weights, p.to_bwd_data_weights);
  p.bwd_data.execute(cpu_stream(), {{DNNL_ARG_DIFF_DST, wrap(p.d.dst, dy)},
                                    {DNNL_ARG_WEIGHTS, weights},
                                    {DNNL_ARG_DIFF_SRC, wrap(p.d.src, dx)}});
  cpu_stream().wait();
}

void conv2d_backprop_filter(const ConvGeometry& g, const float* x, const float* dy, float* dw) {
  std::lock_guard<std::mutex> guard(lock());
  Plan& p = plan_for(g);
  ensure_bwd_weights(p);
  memory user = wrap(p.d.weights_user, dw);
  memory target = p.bwd_diff_weights ? p.bwd_diff_weights : user;
  p.bwd_weights.execute(cpu_stream(), {{DNNL_ARG_SRC, wrap(p.d.src, x)},
                                       {DNNL_ARG_DIFF_DST, wrap(p.d.dst, dy)},
                                       {DNNL_ARG_DIFF_WEIGHTS, target}});
  if (p.bwd_diff_weights) {
    p.from_bwd_diff_weights.execute(cpu_stream(), {{DNNL_ARG_FROM, p.bwd_diff_weights}, {DNNL_ARG_TO, user}});
  }
  cpu_stream().wait();
}

void set_threads(int threads) { omp_set_num_threads(threads); }

int threads() { return omp_get_max_threads(); }

std::string library_info() {
  const dnnl_version_t* v = dnnl_version();
  const char* isa = "unknown";
  switch (dnnl::get_effective_cpu_isa()) {
    case dnnl::cpu_isa::avx512_core_amx: isa = "AVX-512 + AMX"; break;
    case dnnl::cpu_isa::avx512_core_bf16: isa = "AVX-512 (bf16)"; break;
    case dnnl::cpu_isa::avx512_core_vnni: isa = "AVX-512 (VNNI)"; break;
    case dnnl::cpu_isa::avx512_core: isa = "AVX-512"; break;
    case dnnl::cpu_isa::avx2_vnni: isa = "AVX2 (VNNI)"; break;
    case dnnl::cpu_isa::avx2: isa = "AVX2"; break;
    case dnnl::cpu_isa::avx: isa = "AVX"; break;
    case dnnl::cpu_isa::sse41: isa = "SSE4.1"; break;
    default: break;
  }
  return "oneDNN " + std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch) +
         " " + isa;
}

}  // namespace sweeps
