// Counter-based random numbers (JAX's design): a key is u32[2]; every draw hashes a counter
// range with threefry-2x32 under the key. Bits are pure integer arithmetic and the conversions
// to floats are exact, so a key gives the same numbers on every backend, eager or compiled.
#include <algorithm>
#include <cmath>
#include <mutex>
#include <numbers>
#include <numeric>

#include "slope/interpreter.h"
#include "slope/ops.h"
#include "slope/primitive_ops.h"
#include "slope/random.h"

namespace slope {
namespace random {

namespace {

void check_key(const char* op, const Tensor& key) {
  check(key.defined(), op, "key is an empty Tensor handle");
  check(key.dtype() == u32 && key.shape() == Shape{2}, op, "key must be u32 [2] (see random::key), got ",
        to_string(key.aval()));
}

void check_shape(const char* op, const Shape& shape) {
  for (int64_t d : shape) check(d >= 0, op, "shape must be non-negative, got ", to_string(shape));
}

Tensor counts(int64_t n) {
  // Counters are u32: more than 2^32 draws from one key would repeat.
  check(n <= (int64_t{1} << 32), "random", "cannot draw more than 2^32 values from one key, asked for ", n);
  return prims::arange(n, Scalar(int64_t{0}), Scalar(int64_t{1}), u32);
}

Tensor fill(const Shape& s, double v, DType d) { return prims::full(s, Scalar(v), d); }

// min(a, b) for non-NaN values (the primitives have maximum only).
Tensor min_of(const Tensor& a, const Tensor& b) { return prims::where(prims::less(a, b), a, b); }

// The largest value of dtype d below hi (so uniform draws stay in [lo, hi) after rounding).
double below(double hi, DType d) {
  return visit_dtype(d, [&](auto tag) -> double {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
      T h = static_cast<T>(hi);  // hi rounded to nearest; step down once if that is not below hi
      if (static_cast<double>(h) >= hi) h = std::nextafter(h, -std::numeric_limits<T>::infinity());
      return static_cast<double>(h);
    } else if constexpr (std::is_same_v<T, half> || std::is_same_v<T, bfloat16>) {
      // Step the 16-bit pattern down from the nearest value until it is below hi.
      T h = T(static_cast<float>(hi));
      for (int guard = 0; guard < 4 && static_cast<double>(static_cast<float>(h)) >= hi; ++guard) {
        uint16_t b = h.bits;
        if (b == 0x0000u || b == 0x8000u) b = 0x8001u;  // below zero is the smallest negative
        else if (b & 0x8000u) b = static_cast<uint16_t>(b + 1);
        else b = static_cast<uint16_t>(b - 1);
        h.bits = b;
      }
      return static_cast<double>(static_cast<float>(h));
    } else {
      return hi;
    }
  });
}

}  // namespace

Tensor key(uint64_t seed) {
  OpScope scope("key");
  return tensor({static_cast<uint32_t>(seed >> 32), static_cast<uint32_t>(seed & 0xffffffffu)});
}

// JAX's threefry split: hash the counters 0..2n-1 and read them as n keys.
Tensor split(const Tensor& k, int64_t n) {
  OpScope scope("split");
  check_key("split", k);
  check(n >= 0, "split", "number of keys must be non-negative, got ", n);
  return prims::reshape(prims::threefry(k, counts(2 * n)), {n, 2});
}

std::array<Tensor, 2> split(const Tensor& k) {
  OpScope scope("split");
  Tensor both = random::split(k, int64_t{2});
  return {prims::reshape(prims::slice(both, {0, 0}, {1, 2}, {1, 1}), {2}),
          prims::reshape(prims::slice(both, {1, 0}, {2, 2}, {1, 1}), {2})};
}

// JAX's fold_in: hash the pair (0, data) under the key.
Tensor fold_in(const Tensor& k, uint32_t data) {
  OpScope scope("fold_in");
  check_key("fold_in", k);
  return prims::threefry(k, tensor({uint32_t{0}, data}));
}

// JAX's random_bits for 32-bit words: threefry of the counters 0..n-1.
Tensor bits(const Tensor& k, const Shape& shape) {
  OpScope scope("bits");
  check_key("bits", k);
  check_shape("bits", shape);
  return prims::reshape(prims::threefry(k, counts(numel(shape))), shape);
}

// Like JAX: the top mantissa-many random bits make an exact float in [0, 1): f32 uses the top 23
// bits of one word, f16 10, bf16 7; f64 uses 52 bits from two words (32 from the first n
// counters, 20 from the next n). The value is then scaled to [lo, hi) and clamped below hi in
// case the scaling rounds up.
Tensor uniform(const Tensor& k, const Shape& shape, DType dtype, double lo, double hi) {
  OpScope scope("uniform");
  const char* op = "uniform";
  check_dtype(op, dtype);
  check_key(op, k);
  check_shape(op, shape);
  check(is_floating(dtype), op, "needs a floating dtype, got ", name(dtype));
  check(std::isfinite(lo) && std::isfinite(hi) && lo <= hi, op, "needs finite lo <= hi, got [", lo, ", ", hi, ")");
  const bool fits = visit_dtype(dtype, [&](auto tag) {
    using T = decltype(tag);
    return std::isfinite(static_cast<double>(scalar::convert<T>(hi - lo))) &&
           std::isfinite(static_cast<double>(scalar::convert<T>(lo))) && std::isfinite(static_cast<double>(scalar::convert<T>(hi)));
  });
  check(fits, op, "[", lo, ", ", hi, ") and its width must be finite in ", name(dtype));
  if (lo == hi) return prims::full(shape, Scalar(lo), dtype);
  Tensor u;
  if (dtype == f64) {
    const int64_t n = numel(shape);
    Tensor w = bits(k, {2, n});
    const Shape s{n};
    Tensor hi32 = prims::cast(prims::reshape(prims::slice(w, {0, 0}, {1, n}, {1, 1}), s), f64);
    Tensor lo20 = prims::div(prims::reshape(prims::slice(w, {1, 0}, {2, n}, {1, 1}), s),
                             prims::full(s, Scalar(int64_t{1} << 12), u32));  // >> 12
    Tensor m52 = prims::add(prims::mul(hi32, fill(s, std::ldexp(1.0, 20), f64)), prims::cast(lo20, f64));  // < 2^52, exact
    u = prims::reshape(prims::mul(m52, fill(s, std::ldexp(1.0, -52), f64)), shape);
  } else {
    const int mant = dtype == f32 ? 23 : dtype == f16 ? 10 : 7;
    Tensor b = prims::div(bits(k, shape), prims::full(shape, Scalar(int64_t{1} << (32 - mant)), u32));  // >> (32 - mant)
    u = prims::mul(prims::cast(b, dtype), fill(shape, std::ldexp(1.0, -mant), dtype));  // exact
  }
  if (lo == 0.0 && hi == 1.0) return u;
  Tensor r = prims::add(prims::mul(u, fill(shape, hi - lo, dtype)), fill(shape, lo, dtype));
  r = prims::maximum(r, fill(shape, lo, dtype));
  return min_of(r, fill(shape, below(hi, dtype), dtype));
}

// Box-Muller (erfinv, JAX's method, is not a primitive): pairs (u1, u2) give
// r = sqrt(-2 log(1 - u1)) and the two normals r cos(2 pi u2), r sin(2 pi u2); cos x = sin(x + pi/2).
// Computed in f32 (f64 for f64) then cast.
Tensor normal(const Tensor& k, const Shape& shape, DType dtype) {
  OpScope scope("normal");
  const char* op = "normal";
  check_dtype(op, dtype);
  check_key(op, k);
  check_shape(op, shape);
  check(is_floating(dtype), op, "needs a floating dtype, got ", name(dtype));
  const DType c = dtype == f64 ? f64 : f32;
  const int64_t n = numel(shape), half_n = (n + 1) / 2;
  Tensor u = uniform(k, {2, half_n}, c);
  const Shape hs{half_n};
  Tensor u1 = prims::reshape(prims::slice(u, {0, 0}, {1, half_n}, {1, 1}), hs);
  Tensor u2 = prims::reshape(prims::slice(u, {1, 0}, {2, half_n}, {1, 1}), hs);
  Tensor r = prims::sqrt(prims::mul(fill(hs, -2.0, c), prims::log(prims::sub(fill(hs, 1.0, c), u1))));
  Tensor theta = prims::mul(u2, fill(hs, 2 * std::numbers::pi, c));
  Tensor z0 = prims::mul(r, prims::sin(prims::add(theta, fill(hs, std::numbers::pi / 2, c))));
  Tensor z1 = prims::mul(r, prims::sin(theta));
  Tensor z = prims::cat({z0, z1}, 0);
  if (2 * half_n != n) z = prims::slice(z, {0}, {n}, {1});
  z = prims::reshape(z, shape);
  return c == dtype ? z : prims::cast(z, dtype);
}

Tensor bernoulli(const Tensor& k, const Tensor& p) {
  OpScope scope("bernoulli");
  const char* op = "bernoulli";
  check(p.defined(), op, "p is an empty Tensor handle");
  const DType d = is_floating(p.dtype()) ? p.dtype() : f32;
  if (p.is_concrete())
    for (double v : p.to_vector<double>()) check(v >= 0 && v <= 1, op, "probabilities must be in [0, 1], got ", v);
  Tensor pp = p.dtype() == d ? p : prims::cast(p, d);
  return prims::less(uniform(k, p.shape(), d), pp);
}

Tensor bernoulli(const Tensor& k, double p, const Shape& shape) {
  OpScope scope("bernoulli");
  check(p >= 0 && p <= 1, "bernoulli", "probability must be in [0, 1], got ", p);
  return prims::less(uniform(k, shape, f32), prims::full(shape, Scalar(p), f32));
}

// [lo, hi): a 63-bit value from two words (the first halved) taken modulo the range. The modulo
// bias is below range / 2^63, negligible for any range an i64 can hold.
Tensor randint(const Tensor& k, const Shape& shape, int64_t lo, int64_t hi, DType dtype) {
  OpScope scope("randint");
  const char* op = "randint";
  check_dtype(op, dtype);
  check_key(op, k);
  check_shape(op, shape);
  check(is_integral(dtype), op, "needs an integer dtype, got ", name(dtype));
  check(lo < hi, op, "needs lo < hi, got [", lo, ", ", hi, ")");
  int64_t range;
  check(!__builtin_sub_overflow(hi, lo, &range), op, "range [", lo, ", ", hi, ") is wider than 2^63 - 1");
  visit_dtype(dtype, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      check(static_cast<long double>(lo) >= static_cast<long double>(std::numeric_limits<T>::min()) &&
                static_cast<long double>(hi - 1) <= static_cast<long double>(std::numeric_limits<T>::max()),
            op, "[", lo, ", ", hi, ") does not fit ", name(dtype));
    }
  });
  const int64_t n = numel(shape);
  Tensor w = bits(k, {2, n});
  Shape s{n};
  Tensor w0 = prims::cast(prims::reshape(prims::slice(w, {0, 0}, {1, n}, {1, 1}), s), i64);
  Tensor w1 = prims::cast(prims::reshape(prims::slice(w, {1, 0}, {2, n}, {1, 1}), s), i64);
  Tensor v = prims::add(prims::mul(prims::div(w0, prims::full(s, Scalar(int64_t{2}), i64)),
                                   prims::full(s, Scalar(int64_t{1} << 32), i64)),
                        w1);  // < 2^63
  Tensor rg = prims::full(s, Scalar(range), i64);
  Tensor m = prims::sub(v, prims::mul(prims::div(v, rg), rg));  // v mod range (v >= 0)
  Tensor out = prims::reshape(prims::add(m, prims::full(s, Scalar(lo), i64)), shape);
  return dtype == i64 ? out : prims::cast(out, dtype);
}

// A random ordering: the rank of each element among random 32-bit keys (ties broken by
// position), which is uniformly distributed. Traced, the ranks come from an n x n comparison
// (O(n^2) memory, so n <= 4096); with a concrete key and larger n the same ranks are computed on
// the host by a stable sort of the same keys, so the result never depends on the path taken.
Tensor permutation(const Tensor& k, int64_t n) {
  OpScope scope("permutation");
  const char* op = "permutation";
  check_key(op, k);
  check(n >= 0, op, "n must be non-negative, got ", n);
  check(n < (int64_t{1} << 31), op, "n must be below 2^31, got ", n);
  Tensor keys = bits(k, {n});
  constexpr int64_t kHostAbove = 256, kTracedMax = 4096;
  if (keys.is_concrete() && n > kHostAbove) {
    std::vector<uint32_t> kv = keys.to_vector<uint32_t>();
    std::vector<int64_t> order(static_cast<size_t>(n));
    std::iota(order.begin(), order.end(), int64_t{0});
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return kv[a] < kv[b]; });
    std::vector<int64_t> rank(static_cast<size_t>(n));
    for (int64_t pos = 0; pos < n; ++pos) rank[order[pos]] = pos;
    return tensor(rank, Shape{n}, i64);
  }
  check(n <= kTracedMax, op, "n = ", n, " needs an n x n comparison under a transformation (limit ", kTracedMax,
        "); draw the permutation eagerly");
  const Shape sq{n, n};
  Tensor ki = prims::expand(prims::reshape(keys, {n, 1}), sq);  // row i: key i
  Tensor kj = prims::expand(prims::reshape(keys, {1, n}), sq);  // column j: key j
  Tensor pos = prims::arange(n, Scalar(int64_t{0}), Scalar(int64_t{1}), i32);
  Tensor pi = prims::expand(prims::reshape(pos, {n, 1}), sq);
  Tensor pj = prims::expand(prims::reshape(pos, {1, n}), sq);
  // j before i: k_j < k_i, or equal keys and j < i (the two cases are exclusive).
  Tensor before = prims::add(prims::cast(prims::less(kj, ki), i32),
                             prims::cast(prims::mul(prims::equal(kj, ki), prims::less(pj, pi)), i32));
  return prims::sum(before, {1});  // i64: integer sums are
}

// Gumbel-max: argmax(logits + g) with g = -log(-log(u)) is distributed as softmax(logits). u is
// drawn in [tiny, 1), so -log(u) > 0 and g is finite; a -inf logit stays -inf and never wins.
Tensor categorical(const Tensor& k, const Tensor& logits, int64_t axis, const std::optional<Shape>& shape) {
  const char* op = "categorical";
  check_key(op, k);
  check(logits.defined(), op, "logits is an empty Tensor handle");
  check(is_floating(logits.dtype()), op, "logits must be floating-point, got ", to_string(logits.aval()));
  check(logits.ndim() >= 1, op, "logits need an axis of categories, got ", to_string(logits.aval()));
  const int64_t a = normalize_axis(op, axis, logits.ndim());
  check(logits.shape()[a] >= 1, op, "needs at least one category along axis ", a, ", got ", to_string(logits.aval()));
  Shape batch = logits.shape();
  batch.erase(batch.begin() + a);
  const Shape out = shape.value_or(batch);
  check_shape(op, out);
  const size_t lead = out.size() >= batch.size() ? out.size() - batch.size() : 0;
  bool fits = out.size() >= batch.size();
  for (size_t i = 0; fits && i < batch.size(); ++i) fits = batch[i] == 1 || batch[i] == out[lead + i];
  check(fits, op, "shape ", to_string(out), " must end with the logits' shape without axis ", a, " (",
        to_string(batch), ", size-1 dims broadcast)");
  // Noise over [*out[:lead], *out[lead:] with the categories inserted at a]; the logits broadcast.
  Shape noise(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(lead));
  Shape lshape(lead, 1);
  for (size_t i = 0; i <= batch.size(); ++i) {
    if (static_cast<int64_t>(i) == a) {
      noise.push_back(logits.shape()[a]);
      lshape.push_back(logits.shape()[a]);
    }
    if (i < batch.size()) {
      noise.push_back(out[lead + i]);
      lshape.push_back(batch[i]);
    }
  }
  const DType d = logits.dtype() == f64 ? f64 : f32;  // half types draw their noise in f32
  Tensor u = uniform(k, noise, d, static_cast<double>(std::numeric_limits<float>::min()), 1.0);
  Tensor gumbel = neg(log(neg(log(u))));
  Tensor l = reshape(logits.dtype() == d ? logits : cast(logits, d), lshape);
  return argmax(add(l, gumbel), static_cast<int64_t>(lead) + a);
}

}  // namespace random

// ---- the global generator ----
namespace {
std::mutex g_mutex;
uint32_t g_key[2] = {0, 0};  // key(0) until manual_seed
}  // namespace

void manual_seed(uint64_t seed) {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_key[0] = static_cast<uint32_t>(seed >> 32);
  g_key[1] = static_cast<uint32_t>(seed & 0xffffffffu);
}

// Computed on the host (the same arithmetic as random::split(key, 2)) so the global state is
// always concrete, even when called while a transformation is tracing: the draw then becomes a
// constant of the traced program, like a PyTorch RNG call under tracing.
Tensor next_key() {
  OpScope scope("next_key");
  // Inside jit the key would be taken once, at trace time, and every call would then repeat the
  // same "random" numbers: a silent wrong answer. Make it an error instead.
  check(!tracing_for_jit(), "rand", "the global generator (rand, randn, randint, ...) cannot be used inside a jitted "
        "function: its key would be captured once and every call would repeat the same numbers; pass a key "
        "(slope::random::key, random::split) as an argument and use slope::random::uniform/normal/randint");
  std::lock_guard<std::mutex> lock(g_mutex);
  // split: counters 0..3 -> pairs (0, 2), (1, 3); output = concat(x0', x1') read as [2, 2].
  uint32_t a0 = 0, a1 = 2, b0 = 1, b1 = 3;
  scalar::threefry2x32(g_key[0], g_key[1], a0, a1);
  scalar::threefry2x32(g_key[0], g_key[1], b0, b1);
  // flat = [a0, b0, a1, b1]: new global key [a0, b0], returned key [a1, b1].
  g_key[0] = a0;
  g_key[1] = b0;
  return tensor({a1, b1});
}

Tensor rand(const Shape& shape, DType dtype) {
  OpScope scope("rand");
  check_dtype("rand", dtype);
  return random::uniform(next_key(), shape, dtype);
}
Tensor randn(const Shape& shape, DType dtype) {
  OpScope scope("randn");
  check_dtype("randn", dtype);
  return random::normal(next_key(), shape, dtype);
}
Tensor rand(const Tensor& key, const Shape& shape, DType dtype) {
  OpScope scope("rand");
  return random::uniform(key, shape, dtype);
}
Tensor randn(const Tensor& key, const Shape& shape, DType dtype) {
  OpScope scope("randn");
  return random::normal(key, shape, dtype);
}
Tensor rand_like(const Tensor& t) {
  OpScope scope("rand_like");
  check(t.defined(), "rand_like", "argument is an empty Tensor handle");
  return rand(t.shape(), t.dtype());
}
Tensor randn_like(const Tensor& t) {
  OpScope scope("randn_like");
  check(t.defined(), "randn_like", "argument is an empty Tensor handle");
  return randn(t.shape(), t.dtype());
}
Tensor randint(int64_t lo, int64_t hi, const Shape& shape, DType dtype) {
  OpScope scope("randint");
  check_dtype("randint", dtype);
  return random::randint(next_key(), shape, lo, hi, dtype);
}

}  // namespace slope
