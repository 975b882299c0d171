#include "slope/nn/attention.h"

#include <cmath>
#include <limits>

#include "nn/repr.h"
#include "slope/nn/init.h"
#include "slope/nn_functional.h"
#include "slope/ops.h"
#include "slope/random.h"

namespace slope::nn {

namespace {
constexpr const char* kOp = "MultiheadAttention";
}

MultiheadAttention::MultiheadAttention(int64_t e, int64_t heads, const Tensor& key, const MultiheadAttentionConfig& c)
    : num_heads(heads), dropout(c.dropout), batch_first(c.batch_first) {
  check(e > 0 && heads > 0 && e % heads == 0, kOp, "embed_dim (", e, ") must be a positive multiple of num_heads (", heads,
        ")");
  check(c.dropout >= 0 && c.dropout <= 1, kOp, "dropout must be in [0, 1], got ", c.dropout);
  auto [k_in, k_out] = random::split(key);
  in_proj_weight = init::xavier_uniform(k_in, {3 * e, e}, 1.0, c.dtype);
  out_proj = Linear(e, e, k_out, {.bias = c.bias, .dtype = c.dtype});
  if (c.bias) {
    in_proj_bias = zeros({3 * e}, c.dtype);
    out_proj.bias = zeros({e}, c.dtype);
  }
}

AttentionOutput MultiheadAttention::operator()(const Tensor& q, const Tensor& k, const Tensor& v,
                                               const AttentionArgs& args) const {
  return (*this)(q, k, v, args, Tensor(), false);
}

namespace {

// [N, L, E] -> [N, H, L, E / H]
Tensor split_heads(const Tensor& x, int64_t h) {
  return x.reshape({x.shape(0), x.shape(1), h, x.shape(2) / h}).transpose(1, 2);
}

// An additive [.., L, S] bias from a mask in nn.MultiheadAttention's convention (true = blocked).
Tensor mask_bias(const Tensor& m, DType dt, const char* what) {
  if (m.dtype() == bool_) return where(m, full({}, -std::numeric_limits<double>::infinity(), dt), full({}, 0.0, dt));
  check(m.dtype() == dt, kOp, what, " must be bool or the query's dtype ", name(dt), ", got ", to_string(m.aval()));
  return m;
}

}  // namespace

AttentionOutput MultiheadAttention::operator()(const Tensor& query, const Tensor& key, const Tensor& value,
                                               const AttentionArgs& args, const Tensor& dropout_key, bool train) const {
  int64_t e = embed_dim(), h = num_heads;
  bool batched = query.ndim() == 3;
  check((query.ndim() == 3 || query.ndim() == 2) && key.ndim() == query.ndim() && value.ndim() == query.ndim() &&
            query.shape(-1) == e && key.shape(-1) == e && value.shape(-1) == e,
        kOp, "expected query, key, value of ", batch_first ? "[N, L, E]" : "[L, N, E]", " (or unbatched [L, E]) with E = ",
        e, ", got ", to_string(query.aval()), ", ", to_string(key.aval()), ", ", to_string(value.aval()));
  check(is_floating(query.dtype()) && query.dtype() == key.dtype() && query.dtype() == value.dtype() &&
            query.dtype() == in_proj_weight.dtype(),
        kOp, "query, key, value and the weights must share one floating dtype, got ", to_string(query.aval()), ", ",
        to_string(key.aval()), ", ", to_string(value.aval()), " and ", name(in_proj_weight.dtype()));
  // Everything below works on batch-first [N, L, E].
  auto to_nle = [&](const Tensor& t) { return !batched ? t.unsqueeze(0) : batch_first ? t : t.transpose(0, 1); };
  Tensor q = to_nle(query), k = to_nle(key), v = to_nle(value);
  int64_t n = q.shape(0), l = q.shape(1), s = k.shape(1);
  check(k.shape(0) == n && v.shape(0) == n && v.shape(1) == s, kOp, "key and value must have the query's batch size and one sequence length, got ",
        to_string(query.aval()), ", ", to_string(key.aval()), ", ", to_string(value.aval()));
  std::vector<Tensor> w = in_proj_weight.chunk(3, 0);
  std::vector<Tensor> b;
  if (in_proj_bias) b = in_proj_bias->chunk(3, 0);
  auto proj = [&](const Tensor& x, int i) { return linear(x, w[i], b.empty() ? std::nullopt : std::optional<Tensor>(b[i])); };
  DType dt = q.dtype();
  Tensor qh = split_heads(proj(q, 0), h), kh = split_heads(proj(k, 1), h), vh = split_heads(proj(v, 2), h);
  Tensor scores = matmul(qh / std::sqrt(static_cast<double>(e / h)), kh.transpose(-2, -1));  // [N, H, L, S]
  check(!(args.is_causal && args.attn_mask), kOp, "give either attn_mask or is_causal, not both");
  if (args.is_causal) {
    Tensor rows = arange(l).reshape({l, 1}), cols = arange(s).reshape({1, s});
    scores = scores + mask_bias(cols > rows, dt, "causal mask");
  } else if (args.attn_mask) {
    const Tensor& m = *args.attn_mask;
    bool ok2 = m.ndim() == 2 && m.shape() == Shape{l, s};
    bool ok3 = m.ndim() == 3 && m.shape() == Shape{n * h, l, s};
    check(ok2 || ok3, kOp, "attn_mask must be [", l, ", ", s, "] or [", n * h, ", ", l, ", ", s, "], got ",
          to_string(m.aval()));
    Tensor bias = mask_bias(m, dt, "attn_mask");
    scores = scores + (ok2 ? bias : bias.reshape({n, h, l, s}));
  }
  if (args.key_padding_mask) {
    Tensor m = batched ? *args.key_padding_mask : args.key_padding_mask->unsqueeze(0);
    check(m.shape() == Shape{n, s}, kOp, "key_padding_mask must be [", n, ", ", s, "] (batch, source length), got ",
          to_string(args.key_padding_mask->aval()));
    scores = scores + mask_bias(m, dt, "key_padding_mask").reshape({n, 1, 1, s});
  }
  Tensor attn = softmax(scores, -1);
  if (train && dropout > 0) {
    check(dropout_key.defined(), kOp, "needs a key for dropout when training");
    attn = nn::dropout(attn, dropout, dropout_key, true);  // the returned weights are the dropped ones, as torch's
  }
  Tensor out = matmul(attn, vh).transpose(1, 2).reshape({n, l, e});
  out = out_proj(out);
  out = !batched ? out.squeeze({0}) : batch_first ? out : out.transpose(0, 1);
  AttentionOutput r{out, std::nullopt};
  if (args.need_weights) {
    Tensor wts = args.average_attn_weights ? attn.mean(Axes{1}) : attn;
    r.weights = batched ? wts : wts.squeeze({0});
  }
  return r;
}

std::string MultiheadAttention::repr() const {
  return "MultiheadAttention(embed_dim=" + std::to_string(embed_dim()) + ", num_heads=" + std::to_string(num_heads) +
         (dropout > 0 ? ", dropout=" + detail::py_float(dropout) : std::string()) +
         ", batch_first=" + detail::py_bool(batch_first) + ")";
}

}  // namespace slope::nn
