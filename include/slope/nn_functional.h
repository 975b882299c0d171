#pragma once
// Neural-network functions (PyTorch's torch.nn.functional), all procedures over primitives.
#include <optional>
#include <string>
#include <vector>

#include "slope/tensor.h"

namespace slope {
namespace nn {
Tensor relu(const Tensor& x);
Tensor leaky_relu(const Tensor& x, double negative_slope = 0.01);
Tensor elu(const Tensor& x, double alpha = 1.0);
Tensor gelu(const Tensor& x, bool tanh_approx = false);
Tensor silu(const Tensor& x);
Tensor softplus(const Tensor& x, double beta = 1.0, double threshold = 20.0);
Tensor softmax(const Tensor& x, int64_t axis = -1);
Tensor log_softmax(const Tensor& x, int64_t axis = -1);
Tensor linear(const Tensor& x, const Tensor& w, const std::optional<Tensor>& b = std::nullopt);  // x @ w^T + b

// Convolution over the trailing dims of x [N, C, *S] with w [O, C/groups, *K] (1-3 spatial dims).
struct ConvOptions {
  Shape stride{};    // empty = 1 for every spatial dim; one value = the same for all
  Shape padding{};   // per spatial dim (symmetric); empty = 0
  Shape dilation{};  // empty = 1
  int64_t groups = 1;
  Shape output_padding{};  // conv_transpose only
};
Tensor conv(const Tensor& x, const Tensor& w, const std::optional<Tensor>& b = std::nullopt, const ConvOptions& o = {});
// x [N, C_in, *S], w [C_in, C_out/groups, *K] (PyTorch's layout).
Tensor conv_transpose(const Tensor& x, const Tensor& w, const std::optional<Tensor>& b = std::nullopt,
                      const ConvOptions& o = {});

struct PoolOptions {
  Shape kernel;
  Shape stride{};    // empty = kernel
  Shape padding{};   // empty = 0 (max pools pad with -inf, avg pools count the padding like PyTorch's default)
  Shape dilation{};  // max pools only
  bool ceil_mode = false;
  bool count_include_pad = true;            // avg pools: divide by the window including padding (PyTorch's default)
  std::optional<int64_t> divisor_override{};  // avg pools: divide every window's sum by this instead
};
// Like PyTorch, the gradient of a window's maximum goes to its first maximum in row-major window
// order (to its last NaN when it holds NaN: torch's maximum then).
Tensor max_pool(const Tensor& x, const PoolOptions& o);  // spatial dims = kernel.size()
Tensor avg_pool(const Tensor& x, const PoolOptions& o);

// torch.nn.functional.interpolate over the spatial dims of x [N, C, *S]: nearest (torch's floor
// rule) for 1-3 spatial dims, linear / bilinear / trilinear for 1 / 2 / 3. Give exactly one of
// `size` and `scale_factor` (one value for every spatial dim, or one each).
enum class InterpolateMode { nearest, linear, bilinear, trilinear };
struct InterpolateOptions {
  Shape size{};
  std::vector<double> scale_factor{};
  InterpolateMode mode = InterpolateMode::nearest;
  std::optional<bool> align_corners{};  // linear modes only (default false)
  bool recompute_scale_factor = false;  // true: index arithmetic from the sizes, not scale_factor
};
Tensor interpolate(const Tensor& x, const InterpolateOptions& o);

// Normalisation over channel dim 1 with the given statistics (inference form) or batch statistics.
Tensor batch_norm(const Tensor& x, const std::optional<Tensor>& running_mean, const std::optional<Tensor>& running_var,
                  const std::optional<Tensor>& weight, const std::optional<Tensor>& bias, bool training,
                  double eps = 1e-5);
Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const std::optional<Tensor>& weight = std::nullopt,
                  const std::optional<Tensor>& bias = std::nullopt, double eps = 1e-5);
Tensor dropout(const Tensor& x, double p, const Tensor& key, bool training = true);

// softmax(q k^T * scale + mask) v. A bool mask marks the positions to keep (PyTorch's convention).
Tensor scaled_dot_product_attention(const Tensor& q, const Tensor& k, const Tensor& v,
                                    const std::optional<Tensor>& attn_mask = std::nullopt, bool is_causal = false,
                                    std::optional<double> scale = std::nullopt);

// batchmean (sum / batch size) is kl_div's only; the other losses reject it, like PyTorch.
enum class Reduction { mean, sum, none, batchmean };
Tensor cross_entropy(const Tensor& logits, const Tensor& target, Reduction r = Reduction::mean,
                     double label_smoothing = 0.0);  // target: class indices [N] or probabilities [N, C]
Tensor nll_loss(const Tensor& log_probs, const Tensor& target, Reduction r = Reduction::mean);
Tensor mse_loss(const Tensor& x, const Tensor& y, Reduction r = Reduction::mean);
Tensor binary_cross_entropy(const Tensor& p, const Tensor& y, Reduction r = Reduction::mean);
Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& y, Reduction r = Reduction::mean);

// ---- more activations, losses and group_norm ----
Tensor log_sigmoid(const Tensor& x);  // torch's logsigmoid: -softplus(-x), accurate in both tails
// clamp to [min_val, max_val] with PyTorch's hardtanh derivative: 0 at and beyond the bounds.
Tensor hardtanh(const Tensor& x, double min_val = -1.0, double max_val = 1.0);
Tensor mish(const Tensor& x);  // x tanh(softplus(x))
// Elementwise losses of x and y (broadcast together, floating point), then reduced (not batchmean).
Tensor l1_loss(const Tensor& x, const Tensor& y, Reduction r = Reduction::mean);  // |x - y|
// 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (d = x - y); beta = 0 is l1_loss, beta < 0 an error.
Tensor smooth_l1_loss(const Tensor& x, const Tensor& y, Reduction r = Reduction::mean, double beta = 1.0);
// 0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta); delta must be positive.
Tensor huber_loss(const Tensor& x, const Tensor& y, Reduction r = Reduction::mean, double delta = 1.0);
// KL divergence with `input` holding log-probabilities: target (log target - input), 0 where target = 0;
// with log_target, exp(target) (target - input). batchmean divides the sum by input's first dim.
Tensor kl_div(const Tensor& input, const Tensor& target, Reduction r = Reduction::mean, bool log_target = false);
// Normalises x [N, C, *] over each of num_groups groups of C / num_groups channels (and all of *),
// then applies the per-channel weight [C] and bias [C].
Tensor group_norm(const Tensor& x, int64_t num_groups, const std::optional<Tensor>& weight = std::nullopt,
                  const std::optional<Tensor>& bias = std::nullopt, double eps = 1e-5);
}  // namespace nn
}  // namespace slope
