// The README's first example: tensors, dtypes, indexing, reductions and random keys.
// Build and run: bash scripts/run_example.sh quickstart
#include <slope/slope.h>

#include <iostream>

int main() {
  // A tiny affine map: ones(2, 5) @ W + b, with W = [[0, 1, 2], [3, 4, 5], ...].
  auto x = slope::ones({2, 5});
  auto w = slope::arange(15).reshape({5, 3}).cast(slope::f32);
  auto b = slope::tensor({1.f, 2.f, 3.f});
  std::cout << x.matmul(w) + b << "\n";

  // dtypes follow PyTorch: int tensors stay int, a C++ scalar is "weak", true division is float.
  auto i = slope::arange(6);                              // i64
  std::cout << "arange(6): " << i.dtype() << ", i * 2: " << (i * 2).dtype()
            << ", i * 0.5: " << (i * 0.5).dtype() << ", i / 4: " << (i / 4).dtype() << "\n";

  // Indexing: ints, slices, new axes, integer tensors (NumPy/PyTorch rules).
  auto m = slope::arange(12).reshape({3, 4});
  std::cout << "m[1] = " << m[1] << "\n";
  std::cout << "m[:, 1::2] = " << m.index({slope::Slice{}, slope::Slice{1, std::nullopt, 2}}) << "\n";
  std::cout << "m[[2, 0]] = " << m.index({slope::tensor({2, 0})}) << "\n";

  // Reductions, with and without keepdim.
  auto f = m.cast(slope::f32);
  std::cout << "sum = " << f.sum().item<float>() << ", mean over rows = " << f.mean(0)
            << ", max per row = " << f.max(1, /*keepdim=*/true).reshape({-1}) << "\n";
  std::cout << "softmax(row 0) = " << f[0].softmax() << "\n";

  // Random numbers from explicit threefry keys, as in JAX: same key, same numbers, everywhere.
  auto key = slope::random::key(0);
  auto [k1, k2] = slope::random::split(key);
  std::cout << "uniform = " << slope::random::uniform(k1, {3}) << "\n";
  std::cout << "normal  = " << slope::random::normal(k2, {3}) << "\n";
  return 0;
}
