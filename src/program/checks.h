#pragma once
// What every pass over a Program shares (internal): the memory-safety check it runs before
// indexing flat arrays by var id, and the small helpers its error messages and size limits use.
// Programs reach the passes from users (hand-built, or read back), so a malformed one must give
// an "[<pass>] ..." error, never an out-of-bounds access.
#include <cstdint>
#include <string>

#include "slope/program.h"

// check(cond, op, args...) evaluates its message arguments even when cond holds; the names and
// type strings built in the passes would then dominate the cost of checking a long program.
#define REQUIRE(cond, ...)                   \
  do {                                       \
    if (!(cond)) ::slope::fail(__VA_ARGS__); \
  } while (0)

namespace slope {

inline bool valid_prim(Prim p) { return static_cast<int>(p) < kNumPrimitives; }  // Prim is unsigned

// to_string(Params) dereferences a call's body; a malformed program may have none, and the
// error that reports it must not crash while formatting.
std::string params_str(const Params& params);

// "x3", "z12": names of vars and nodes. Appending, not `"x" + std::to_string(i)`, which g++ 12 reports
// as an overlapping memcpy (-Wrestrict, a known false positive of its string inlining).
template <class I>
std::string numbered(const char* prefix, I i) {
  std::string s = prefix;
  s += std::to_string(i);
  return s;
}

// numel, but saturating above `cap` (declared shapes are untrusted: their product may overflow).
int64_t numel_capped(const Shape& s, int64_t cap);

// The passes index flat arrays by var id; a malformed program must give an error, not an
// out-of-bounds access. (Full type checking is typecheck's job; this is only what memory safety needs.)
void check_var_ids(const Program& p, const char* pass);

}  // namespace slope
