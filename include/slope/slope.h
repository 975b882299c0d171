#pragma once
// The umbrella header: #include <slope/slope.h>
#include "slope/backend.h"
#include "slope/dtype.h"
#include "slope/error.h"
#include "slope/interpreter.h"
#include "slope/nn_functional.h"
#include "slope/ops.h"
#include "slope/primitive.h"
#include "slope/primitive_ops.h"
#include "slope/random.h"
#include "slope/shape.h"
#include "slope/tensor.h"
