// Prelude of README.md's "Sorting, einsum, resampling" snippet: its inputs.
#include <slope/slope.h>

int main() {
  auto x = slope::random::normal(slope::random::key(1), {2, 5});
  auto a = slope::random::normal(slope::random::key(2), {2, 3, 4});
  auto b = slope::random::normal(slope::random::key(3), {2, 4, 5});
  auto img = slope::random::normal(slope::random::key(4), {1, 3, 32, 32});
  auto key = slope::random::key(5);
  auto logits = slope::tensor({0.5f, -1.f, 2.f});

  //@README sorting@

  return 0;
}
