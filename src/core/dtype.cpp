// DType names, sizes and the promotion table (docs/dtypes.md explains the rules).
#include "slope/dtype.h"

#include "slope/error.h"

namespace slope {

namespace {
struct Info {
  const char* name;
  size_t size;
  int category;  // 0 bool, 1 integer, 2 floating
};
constexpr Info kInfo[kNumDTypes] = {{"bool", 1, 0}, {"u8", 1, 1},  {"i8", 1, 1},   {"i32", 4, 1}, {"i64", 8, 1},
                                    {"u32", 4, 1},  {"f16", 2, 2}, {"bf16", 2, 2}, {"f32", 4, 2}, {"f64", 8, 2}};
constexpr Info kInvalid = {"invalid", 0, -1};
const Info& info(DType d) { return is_valid(d) ? kInfo[static_cast<int>(d)] : kInvalid; }
}  // namespace

void check_dtype(const char* op, DType d) {
  if (!is_valid(d))
    fail(op, "invalid dtype ", static_cast<unsigned>(d), " (expected bool, u8, i8, i32, i64, u32, f16, bf16, f32 or f64)");
}

size_t itemsize(DType d) {
  check_dtype("dtype", d);
  return info(d).size;
}
const char* name(DType d) { return info(d).name; }
bool is_floating(DType d) { return info(d).category == 2; }
bool is_integral(DType d) { return info(d).category == 1; }
bool is_signed(DType d) { return is_valid(d) && d != DType::b8 && d != DType::u8 && d != DType::u32; }
std::ostream& operator<<(std::ostream& os, DType d) { return os << name(d); }

DType dtype_from_name(const std::string& n) {
  for (int i = 0; i < kNumDTypes; ++i)
    if (n == kInfo[i].name) return static_cast<DType>(i);
  fail("dtype", "unknown dtype name '", n, "' (expected bool, u8, i8, i32, i64, u32, f16, bf16, f32 or f64)");
}

namespace {
// Smallest signed integer type holding both; u32 and i32 meet in i64 (like NumPy), u8 and i8 in i32
// (PyTorch uses i16, which slope does not have).
DType promote_ints(DType a, DType b) {
  auto bits = [](DType d) { return static_cast<int>(itemsize(d)) * 8; };
  if (is_signed(a) == is_signed(b)) return bits(a) >= bits(b) ? a : b;
  DType s = is_signed(a) ? a : b, u = is_signed(a) ? b : a;
  if (bits(s) > bits(u)) return s;
  return bits(u) >= 32 ? DType::i64 : DType::i32;
}
}  // namespace

DType promote_types(DType a, DType b) {
  check_dtype("promote_types", a);
  check_dtype("promote_types", b);
  if (a == b) return a;
  int ca = info(a).category, cb = info(b).category;
  if (ca != cb) return ca > cb ? a : b;
  if (ca == 1) return promote_ints(a, b);
  // two different floats: f16 and bf16 meet in f32; otherwise the wider one
  if ((a == DType::f16 && b == DType::bf16) || (a == DType::bf16 && b == DType::f16)) return DType::f32;
  return itemsize(a) >= itemsize(b) ? a : b;
}

DType promote_with_scalar(DType t, ScalarKind s) {
  check_dtype("promote_types", t);
  int c = info(t).category;
  if (s == ScalarKind::Float && c < 2) return kDefaultFloat;
  if (s == ScalarKind::Int && c < 1) return kDefaultInt;
  return t;
}

std::ostream& operator<<(std::ostream& os, const Scalar& s) {
  switch (s.kind) {
    case ScalarKind::Bool: return os << (s.i ? "true" : "false");
    case ScalarKind::Int: return os << s.i;
    case ScalarKind::Float: return os << s.f;
  }
  return os;
}

}  // namespace slope
