// Convolutions over NHWC float32 tensors for the trainer's CPU path, on oneDNN.
// The shapes follow TensorFlow.js: input [n, h, w, ci], filter [kh, kw, ci, co], output [n, oh, ow, co].
#pragma once
#include <cstdint>
#include <string>

namespace sweeps {

struct ConvGeometry {
  int64_t batch, in_h, in_w, in_c;
  int64_t out_h, out_w, out_c;
  int64_t filter_h, filter_w;
  int64_t stride_h, stride_w;
  int64_t dilation_h, dilation_w;
  int64_t pad_top, pad_left;
};

// Returns an empty string when the geometry is consistent, otherwise what is wrong.
const char* check_geometry(const ConvGeometry& g);

// y = conv(x, w)
void conv2d_forward(const ConvGeometry& g, const float* x, const float* w, float* y);
// dx = the gradient of conv(x, w) with respect to x, given dy
void conv2d_backprop_input(const ConvGeometry& g, const float* dy, const float* w, float* dx);
// dw = the gradient of conv(x, w) with respect to w, given dy
void conv2d_backprop_filter(const ConvGeometry& g, const float* x, const float* dy, float* dw);

// Threads the library may use (OpenMP); one per trial process by default.
void set_threads(int threads);
int threads();
// The library, its version and the instruction set it runs with, in words.
std::string library_info();

}  // namespace sweeps
