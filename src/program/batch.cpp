// batched_program: vmap of a whole Program, staged, so that vmap(jit(f)) is again one compiled
// call. The Program is replayed under vmap's interpreter and the batched operations recorded.
#include <optional>

#include "slope/transforms.h"
#include "traces/tracers.h"
#include "transformations.h"

namespace slope {

Program batched_program(const Program& p, const std::vector<int64_t>& bdims, const std::vector<AVal>& in) {
  std::vector<std::optional<int64_t>> in_dims;
  for (int64_t b : bdims) in_dims.push_back(b >= 0 ? std::optional<int64_t>(b) : std::nullopt);
  detail::FlatFn f = [&](const std::vector<Tensor>& xs) {
    return detail::vmap_flat([&](const std::vector<Tensor>& a) { return p.run(a); }, xs, in_dims, {0});
  };
  StagingInterpreter s(&eval_interpreter());
  return stage(s, f, in);
}

}  // namespace slope
