#pragma once
// The reference backend's kernels, one function per primitive family (one file each).
// Naive, obviously-right loops over row-major data: the oracle for every other backend.
#include <span>

#include "slope/backend.h"
#include "slope/interpreter.h"

namespace slope::reference {

// Each writes out[0] (already allocated with the type the shape rule computed).
void unary(Prim p, const Params& params, std::span<const Tensor> in, Tensor& out);
void binary(Prim p, const Params& params, std::span<const Tensor> in, Tensor& out);  // binary + where
void reduce(Prim p, const Params& params, std::span<const Tensor> in, Tensor& out);
void shape(Prim p, const Params& params, std::span<const Tensor> in, Tensor& out);
void init(Prim p, const Params& params, std::span<const Tensor> in, Tensor& out);
void general(Prim p, const Params& params, std::span<const Tensor> in, Tensor& out);
void argmax(const Params& params, std::span<const Tensor> in, Tensor& out);  // reduce.cpp

// Raw element pointers of a concrete tensor.
template <class T> const T* ptr(const Tensor& t) { return static_cast<const T*>(t.data()); }
template <class T> T* mut(Tensor& t) { return static_cast<T*>(t.impl()->buffer->data()); }

}  // namespace slope::reference
