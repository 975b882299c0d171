#pragma once
// safetensors' dtype names for slope's ten dtypes. The format has more (I16, U16, U64, F8_*):
// files using them are rejected by name, since slope has no such type to read them into.
#include <optional>
#include <string_view>

#include "slope/dtype.h"

namespace slope::io {

inline constexpr const char* kSafetensorsDTypeList = "BOOL, U8, I8, I32, I64, U32, F16, BF16, F32 or F64";

inline const char* safetensors_dtype(DType d) {
  switch (d) {
    case DType::b8: return "BOOL";
    case DType::u8: return "U8";
    case DType::i8: return "I8";
    case DType::i32: return "I32";
    case DType::i64: return "I64";
    case DType::u32: return "U32";
    case DType::f16: return "F16";
    case DType::bf16: return "BF16";
    case DType::f32: return "F32";
    case DType::f64: return "F64";
  }
  return "?";
}

inline std::optional<DType> dtype_from_safetensors(std::string_view s) {
  for (int i = 0; i < kNumDTypes; ++i)
    if (s == safetensors_dtype(static_cast<DType>(i))) return static_cast<DType>(i);
  return std::nullopt;
}

}  // namespace slope::io
