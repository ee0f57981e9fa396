// Node-API bindings of the kernels (conv, matmul, batch-norm, optimizer): each function takes Float32Array views
// (the wasm backend's heap) and its shape or scalars, checks every length against them, throwing a JavaScript
// error that names the argument, and computes into the output views.
#include <node_api.h>

#include <cstdint>
#include <cmath>
#include <exception>
#include <string>

#include "batch-norm.h"
#include "conv.h"
#include "matmul.h"
#include "optimizer.h"


namespace {

constexpr size_t kGeometryFields = 15;

bool throw_error(napi_env env, const std::string& message) {
  napi_throw_error(env, "SWEEPS_NATIVE_ARGUMENT", message.c_str());
  return false;
}

// Reads exactly N arguments into argv, or throws `usage`.
template <size_t N>
bool exact_args(napi_env env, napi_callback_info info, napi_value (&argv)[N], const char* usage) {
  size_t argc = N;
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  return argc == N || throw_error(env, usage);
}

// Reads an array of exactly `count` whole numbers from `min` to `max`, or throws `what` with that rule.
bool integer_array(napi_env env, napi_value value, uint32_t count, double min, double max, const std::string& what,
                   int64_t* out) {
  bool is_array = false;
  uint32_t length = 0;
  napi_is_array(env, value, &is_array);
  if (is_array) napi_get_array_length(env, value, &length);
  if (!is_array || length != count) return throw_error(env, what);
  for (uint32_t i = 0; i < count; i++) {
    napi_value item;
    napi_get_element(env, value, i, &item);
    double number = 0;
    if (napi_get_value_double(env, item, &number) != napi_ok || number < min || number > max ||
        number != static_cast<double>(static_cast<int64_t>(number))) {
      return throw_error(env, what);
    }
    out[i] = static_cast<int64_t>(number);
  }
  return true;
}

// The float32 data behind a Float32Array argument, or a thrown error naming the argument.
bool float_array(napi_env env, napi_value value, const char* name, float** data, size_t* length) {
  bool is_typed = false;
  napi_is_typedarray(env, value, &is_typed);
  if (!is_typed) return throw_error(env, std::string(name) + " must be a Float32Array");
  napi_typedarray_type type;
  void* raw = nullptr;
  napi_value buffer;
  size_t offset = 0;
  napi_get_typedarray_info(env, value, &type, length, &raw, &buffer, &offset);
  if (type != napi_float32_array) return throw_error(env, std::string(name) + " must be a Float32Array");
  *data = static_cast<float*>(raw);
  return true;
}

bool geometry_from(napi_env env, napi_value value, sweeps::ConvGeometry* g) {
  int64_t f[kGeometryFields];
  if (!integer_array(env, value, kGeometryFields, -9.0e15, 9.0e15, "geometry must be an array of 15 integers", f)) {
    return false;
  }
  *g = sweeps::ConvGeometry{f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[10], f[11], f[12], f[13], f[14]};
  const char* problem = sweeps::check_geometry(*g);
  if (problem[0] != '\0') return throw_error(env, std::string("geometry: ") + problem);
  return true;
}

bool expect_length(napi_env env, const char* name, size_t length, int64_t expected) {
  if (static_cast<int64_t>(length) != expected) {
    return throw_error(env, std::string(name) + " has " + std::to_string(length) + " elements, the geometry needs " +
                                std::to_string(expected));
  }
  return true;
}

struct ConvArgs {
  sweeps::ConvGeometry g;
  float* a;
  float* b;
  float* out;
};

enum class Which { kForward, kBackpropInput, kBackpropFilter };

// Reads (a, b, out, geometry) and checks the three lengths for the given convolution.
bool conv_args(napi_env env, napi_callback_info info, Which which, ConvArgs* args) {
  napi_value argv[4];
  if (!exact_args(env, info, argv, "expected 4 arguments (two inputs, the output, the geometry)")) return false;
  if (!geometry_from(env, argv[3], &args->g)) return false;
  const auto& g = args->g;
  const int64_t x = g.batch * g.in_h * g.in_w * g.in_c;
  const int64_t y = g.batch * g.out_h * g.out_w * g.out_c;
  const int64_t w = g.filter_h * g.filter_w * g.in_c * g.out_c;
  size_t la = 0, lb = 0, lo = 0;
  switch (which) {
    case Which::kForward:
      return float_array(env, argv[0], "x", &args->a, &la) && float_array(env, argv[1], "filter", &args->b, &lb) &&
             float_array(env, argv[2], "y", &args->out, &lo) && expect_length(env, "x", la, x) &&
             expect_length(env, "filter", lb, w) && expect_length(env, "y", lo, y);
    case Which::kBackpropInput:
      return float_array(env, argv[0], "dy", &args->a, &la) && float_array(env, argv[1], "filter", &args->b, &lb) &&
             float_array(env, argv[2], "dx", &args->out, &lo) && expect_length(env, "dy", la, y) &&
             expect_length(env, "filter", lb, w) && expect_length(env, "dx", lo, x);
    case Which::kBackpropFilter:
      return float_array(env, argv[0], "x", &args->a, &la) && float_array(env, argv[1], "dy", &args->b, &lb) &&
             float_array(env, argv[2], "dw", &args->out, &lo) && expect_length(env, "x", la, x) &&
             expect_length(env, "dy", lb, y) && expect_length(env, "dw", lo, w);
  }
  return false;
}

// Runs `work`, turning a C++ exception (a oneDNN error) into a JavaScript one.
template <typename Work>
void guarded(napi_env env, Work work) {
  try {
    work();
  } catch (const std::exception& e) {
    napi_throw_error(env, "SWEEPS_NATIVE_FAILED", (std::string("native convolution failed: ") + e.what()).c_str());
  }
}

napi_value forward(napi_env env, napi_callback_info info) {
  ConvArgs a;
  if (conv_args(env, info, Which::kForward, &a)) guarded(env, [&] { sweeps::conv2d_forward(a.g, a.a, a.b, a.out); });
  return nullptr;
}

napi_value backprop_input(napi_env env, napi_callback_info info) {
  ConvArgs a;
  if (conv_args(env, info, Which::kBackpropInput, &a)) guarded(env, [&] { sweeps::conv2d_backprop_input(a.g, a.a, a.b, a.out); });
  return nullptr;
}

napi_value backprop_filter(napi_env env, napi_callback_info info) {
  ConvArgs a;
  if (conv_args(env, info, Which::kBackpropFilter, &a)) guarded(env, [&] { sweeps::conv2d_backprop_filter(a.g, a.a, a.b, a.out); });
  return nullptr;
}

// Reads `count` Float32Array arguments named `names` into `arrays` and `lengths`.
bool float_arrays(napi_env env, napi_value* argv, const char* const* names, size_t count, float** arrays,
                  size_t* lengths) {
  for (size_t i = 0; i < count; i++) {
    if (!float_array(env, argv[i], names[i], &arrays[i], &lengths[i])) return false;
  }
  return true;
}

// batchNormTrain(x, gamma, beta, epsilon, y, mean, variance, rstd, centred)
napi_value batch_norm_train(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  if (!exact_args(env, info, argv, "expected x, gamma, beta, epsilon, y, mean, variance, rstd, centred")) return nullptr;
  static const char* const inputs[] = {"x", "gamma", "beta"};
  static const char* const outputs[] = {"y", "mean", "variance", "rstd", "centred"};
  float* in[3];
  size_t in_len[3];
  float* out[5];
  size_t out_len[5];
  double epsilon = 0;
  if (!float_arrays(env, argv, inputs, 3, in, in_len) || !float_arrays(env, argv + 4, outputs, 5, out, out_len)) {
    return nullptr;
  }
  if (napi_get_value_double(env, argv[3], &epsilon) != napi_ok || !(epsilon > 0)) {
    throw_error(env, "epsilon must be a positive number");
    return nullptr;
  }
  const int64_t channels = static_cast<int64_t>(in_len[1]);
  const int64_t size = static_cast<int64_t>(in_len[0]);
  if (channels < 1 || size % channels != 0 || size == 0) {
    throw_error(env, "x's length must be a non-zero multiple of gamma's (the channels)");
    return nullptr;
  }
  if (!expect_length(env, "beta", in_len[2], channels) || !expect_length(env, "y", out_len[0], size) ||
      !expect_length(env, "mean", out_len[1], channels) || !expect_length(env, "variance", out_len[2], channels) ||
      !expect_length(env, "rstd", out_len[3], channels) || !expect_length(env, "centred", out_len[4], size)) {
    return nullptr;
  }
  sweeps::batch_norm_train(size / channels, channels, in[0], in[1], in[2], static_cast<float>(epsilon), out[0],
                           out[1], out[2], out[3], out[4]);
  return nullptr;
}

// batchNormGrad(dy, centred, rstd, gamma, dx, dgamma, dbeta)
napi_value batch_norm_grad(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  if (!exact_args(env, info, argv, "expected dy, centred, rstd, gamma, dx, dgamma, dbeta")) return nullptr;
  static const char* const names[] = {"dy", "centred", "rstd", "gamma", "dx", "dgamma", "dbeta"};
  float* a[7];
  size_t len[7];
  if (!float_arrays(env, argv, names, 7, a, len)) return nullptr;
  const int64_t channels = static_cast<int64_t>(len[2]);
  const int64_t size = static_cast<int64_t>(len[0]);
  if (channels < 1 || size % channels != 0 || size == 0) {
    throw_error(env, "dy's length must be a non-zero multiple of rstd's (the channels)");
    return nullptr;
  }
  if (!expect_length(env, "centred", len[1], size) || !expect_length(env, "gamma", len[3], channels) ||
      !expect_length(env, "dx", len[4], size) || !expect_length(env, "dgamma", len[5], channels) ||
      !expect_length(env, "dbeta", len[6], channels)) {
    return nullptr;
  }
  sweeps::batch_norm_grad(size / channels, channels, a[0], a[1], a[2], a[3], a[4], a[5], a[6]);
  return nullptr;
}

// batchMatMul(a, b, c, [batch, batchA, batchB, m, n, k, transposeA, transposeB])
napi_value batch_matmul(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!exact_args(env, info, argv, "expected a, b, c and [batch, batchA, batchB, m, n, k, transposeA, transposeB]")) {
    return nullptr;
  }
  static const char* const names[] = {"a", "b", "c"};
  float* arrays[3];
  size_t lengths[3];
  int64_t v[8];
  if (!float_arrays(env, argv, names, 3, arrays, lengths) ||
      !integer_array(env, argv[3], 8, 0, 2147483647.0,
                     "the shape must be [batch, batchA, batchB, m, n, k, transposeA, transposeB], whole numbers from 0 "
                     "to 2^31 - 1",
                     v)) {
    return nullptr;
  }
  const int64_t batch = v[0], batch_a = v[1], batch_b = v[2], m = v[3], n = v[4], k = v[5];
  if ((batch_a != batch && batch_a != 1) || (batch_b != batch && batch_b != 1) || batch < 1 || m < 1 || n < 1 ||
      k < 1) {
    throw_error(env, "batch sizes must agree (or be 1) and every size must be at least 1");
    return nullptr;
  }
  if (!expect_length(env, "a", lengths[0], batch_a * m * k) || !expect_length(env, "b", lengths[1], batch_b * k * n) ||
      !expect_length(env, "c", lengths[2], batch * m * n)) {
    return nullptr;
  }
  if (!sweeps::batch_matmul(batch, batch_a, batch_b, m, n, k, v[6] != 0, v[7] != 0, arrays[0], arrays[1], arrays[2])) {
    napi_throw_error(env, "SWEEPS_NATIVE_FAILED", "native matrix product failed (oneDNN sgemm refused it)");
  }
  return nullptr;
}

// Reads an array of exactly `count` finite numbers, or throws naming `what`.
bool number_array(napi_env env, napi_value value, uint32_t count, const char* what, double* out) {
  bool is_array = false;
  uint32_t length = 0;
  napi_is_array(env, value, &is_array);
  if (is_array) napi_get_array_length(env, value, &length);
  if (!is_array || length != count) {
    return throw_error(env, std::string(what) + " must be an array of " + std::to_string(count) + " numbers");
  }
  for (uint32_t i = 0; i < count; i++) {
    napi_value item;
    napi_get_element(env, value, i, &item);
    if (napi_get_value_double(env, item, &out[i]) != napi_ok || !std::isfinite(out[i])) {
      return throw_error(env, std::string(what) + " must be an array of " + std::to_string(count) + " numbers");
    }
  }
  return true;
}

// Reads `count` Float32Arrays of one length into `arrays` and that length into `length`.
bool same_length_arrays(napi_env env, napi_value* argv, const char* const* names, size_t count, float** arrays,
                        int64_t* length) {
  size_t lengths[8];
  if (!float_arrays(env, argv, names, count, arrays, lengths)) return false;
  for (size_t i = 1; i < count; i++) {
    if (!expect_length(env, names[i], lengths[i], static_cast<int64_t>(lengths[0]))) return false;
  }
  *length = static_cast<int64_t>(lengths[0]);
  return true;
}

// adamwUpdate(p, g, m, v, pOut, mOut, vOut, [decay, beta1, 1-beta1, beta2, 1-beta2, -stepSize, bc2Sqrt, eps, decays])
napi_value adamw_update(napi_env env, napi_callback_info info) {
  napi_value argv[8];
  if (!exact_args(env, info, argv, "expected p, g, m, v, pOut, mOut, vOut and the 9 scalars")) return nullptr;
  static const char* const names[] = {"p", "g", "m", "v", "pOut", "mOut", "vOut"};
  float* a[7];
  int64_t n = 0;
  double k[9];
  if (!same_length_arrays(env, argv, names, 7, a, &n) || !number_array(env, argv[7], 9, "the AdamW scalars", k)) {
    return nullptr;
  }
  const sweeps::AdamWScalars s{static_cast<float>(k[0]), static_cast<float>(k[1]), static_cast<float>(k[2]),
                               static_cast<float>(k[3]), static_cast<float>(k[4]), static_cast<float>(k[5]),
                               static_cast<float>(k[6]), static_cast<float>(k[7]), k[8] != 0};
  sweeps::adamw_update(n, s, a[0], a[1], a[2], a[3], a[4], a[5], a[6]);
  return nullptr;
}

// sgdUpdate(p, g, b, pOut, bOut, [weightDecay, momentum, 1-dampening, lr, decays, dampens, nesterov, firstStep])
napi_value sgd_update(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  if (!exact_args(env, info, argv, "expected p, g, b, pOut, bOut and the 8 scalars")) return nullptr;
  static const char* const names[] = {"p", "g", "b", "pOut", "bOut"};
  float* a[5];
  int64_t n = 0;
  double k[8];
  if (!same_length_arrays(env, argv, names, 5, a, &n) || !number_array(env, argv[5], 8, "the SGD scalars", k)) {
    return nullptr;
  }
  const sweeps::SgdScalars s{static_cast<float>(k[0]), static_cast<float>(k[1]), static_cast<float>(k[2]),
                             static_cast<float>(k[3]), k[4] != 0, k[5] != 0, k[6] != 0, k[7] != 0};
  sweeps::sgd_update(n, s, a[0], a[1], a[2], a[3], a[4]);
  return nullptr;
}

napi_value set_threads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int32_t threads = 0;
  if (argc != 1 || napi_get_value_int32(env, argv[0], &threads) != napi_ok || threads < 1 || threads > 1024) {
    throw_error(env, "threads must be an integer from 1 to 1024");
    return nullptr;
  }
  sweeps::set_threads(threads);
  return nullptr;
}

napi_value string_value(napi_env env, const char* text) {
  napi_value value;
  napi_create_string_utf8(env, text == nullptr ? "" : text, NAPI_AUTO_LENGTH, &value);
  return value;
}

napi_value library_info(napi_env env, napi_callback_info) {
  napi_value result, threads;
  napi_create_object(env, &result);
  const std::string library = sweeps::library_info();
  napi_set_named_property(env, result, "library", string_value(env, library.c_str()));
  napi_create_int32(env, sweeps::threads(), &threads);
  napi_set_named_property(env, result, "threads", threads);
  return result;
}

napi_value init(napi_env env, napi_value exports) {
  const napi_property_descriptor properties[] = {
      {"conv2dForward", nullptr, forward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"conv2dBackpropInput", nullptr, backprop_input, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"conv2dBackpropFilter", nullptr, backprop_filter, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"batchNormTrain", nullptr, batch_norm_train, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"batchNormGrad", nullptr, batch_norm_grad, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"batchMatMul", nullptr, batch_matmul, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"adamwUpdate", nullptr, adamw_update, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sgdUpdate", nullptr, sgd_update, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setThreads", nullptr, set_threads, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"libraryInfo", nullptr, library_info, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(properties) / sizeof(properties[0]), properties);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
