#pragma once
// Optimizers, gradient clipping and learning-rate schedules: #include <slope/optim.h>. See docs/nn.md.
#include "slope/optim/adam.h"
#include "slope/optim/clip.h"
#include "slope/optim/optimizer.h"
#include "slope/optim/schedule.h"
#include "slope/optim/sgd.h"
