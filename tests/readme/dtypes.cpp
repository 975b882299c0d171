// docs/dtypes.md's table of weak scalars, printed from what `tensor + scalar` returns for every
// dtype of each category: "unchanged" when the tensor's dtype stays, else the one result.
#include <slope/slope.h>

#include <cstdio>
#include <string>
#include <vector>

using slope::DType;

std::string cell(const std::vector<DType>& dtypes, slope::Scalar s) {
  std::string all;
  bool unchanged = true;
  for (DType d : dtypes) {
    const DType r = (slope::zeros({2}, d) + s).dtype();
    unchanged = unchanged && r == d;
    const std::string n = slope::name(r);
    if (all.empty() || all == n) all = n;
    else all = "different per dtype";
  }
  return unchanged ? "unchanged" : all;
}

int main() {
  const std::vector<std::pair<const char*, std::vector<DType>>> rows = {
      {"bool", {slope::bool_}},
      {"integer", {slope::u8, slope::i8, slope::i32, slope::i64, slope::u32}},
      {"floating", {slope::f16, slope::bf16, slope::f32, slope::f64}}};
  std::printf("| tensor | bool scalar | int scalar | float scalar |\n|---|---|---|---|\n");
  for (const auto& [category, dtypes] : rows)
    std::printf("| %s | %s | %s | %s |\n", category, cell(dtypes, true).c_str(), cell(dtypes, 3).c_str(),
                cell(dtypes, 0.5).c_str());
  return 0;
}
