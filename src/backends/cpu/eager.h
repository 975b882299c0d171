#pragma once
// The cpu backend's kernels, one function per group of primitives (one file each).
// Operands are contiguous row-major tensors that passed the primitive's shape rule; each function
// fills `out`, already allocated with the type the rule computed (reshape/stop_gradient alias
// their input instead and are handled in backend.cpp).
#include <cstdint>
#include <span>

#include "slope/backend.h"
#include "slope/tensor.h"

namespace slope::cpu {

void unary(Prim p, const Params& params, const Tensor& x, Tensor& out);       // elementwise.cpp
void binary(Prim p, const Tensor& a, const Tensor& b, Tensor& out);           // elementwise.cpp
void where(const Tensor& c, const Tensor& a, const Tensor& b, Tensor& out);   // elementwise.cpp
void reduce(Prim p, const Axes& axes, const Tensor& x, Tensor& out);           // reduce.cpp
void argmax(int64_t axis, const Tensor& x, Tensor& out);                       // reduce.cpp
void movement(Prim p, const Params& params, std::span<const Tensor> in, Tensor& out);  // movement.cpp
void generate(Prim p, const Params& params, std::span<const Tensor> in, Tensor& out);  // generate.cpp
void matmul(const Tensor& a, const Tensor& b, Tensor& out);                     // matmul.cpp
void conv(const ConvParams& p, const Tensor& x, const Tensor& w, Tensor& out);  // conv.cpp
void gather(int64_t axis, const Tensor& x, const Tensor& idx, Tensor& out);     // indexing.cpp
void scatter_add(int64_t axis, const Tensor& x, const Tensor& idx, const Tensor& upd, Tensor& out);
void argsort(const SortParams& p, const Tensor& x, Tensor& out);                // sort.cpp

// Raw element pointers of a concrete tensor.
template <class T> const T* ptr(const Tensor& t) { return static_cast<const T*>(t.data()); }
template <class T> T* mut(Tensor& t) { return static_cast<T*>(t.impl()->buffer->data()); }

// Copies elements between two strided views of one shape (strides in elements, may be 0 or
// negative), `elem` bytes each. Used by every data-movement kernel (movement.cpp).
void strided_copy(size_t elem, const Shape& shape, const void* src, const Shape& src_strides, void* dst,
                  const Shape& dst_strides);

}  // namespace slope::cpu
