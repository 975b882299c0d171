#pragma once
// The cpu backend's compiled execution (CpuBackend::compile / export_program in backend.cpp).
#include <functional>
#include <memory>
#include <string>

#include "slope/backend.h"

namespace slope::cpu {

// The interpreted executable to fall back on (Backend::compile's default) when compiling fails.
using FallbackFn = std::function<std::shared_ptr<const Executable>(const Program&)>;

// codegen/compile.cpp: generated C++ built into a shared object.
std::shared_ptr<const Executable> compile_program(const Program& program, const FallbackFn& fallback);
// codegen/export.cpp: a standalone build folder (see Backend::export_program).
void export_program(const Program& program, const std::string& dir, const std::string& name);

}  // namespace slope::cpu
