#pragma once
// Modules, layers and initialisers: #include <slope/nn.h>. See docs/nn.md.
#include "slope/nn/activation.h"
#include "slope/nn/attention.h"
#include "slope/nn/conv.h"
#include "slope/nn/dropout.h"
#include "slope/nn/embedding.h"
#include "slope/nn/init.h"
#include "slope/nn/linear.h"
#include "slope/nn/module.h"
#include "slope/nn/norm.h"
#include "slope/nn/pool.h"
#include "slope/nn/sequential.h"
#include "slope/nn_functional.h"
#include "slope/io/checkpoint.h"

namespace slope::nn {
// A model's checkpoint is the checkpoint of its pytree (slope/io/checkpoint.h): a safetensors file
// keyed by state_dict names, buffers included. `model = nn::load(model, "mlp.safetensors")` is
// strict: missing, unexpected and mismatched names are listed in one slope::Error.
using slope::load;
using slope::save;
}  // namespace slope::nn
