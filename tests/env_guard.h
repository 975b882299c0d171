#pragma once
// Sets (or, with nullopt, unsets) an environment variable for one scope and restores its old value
// (or its absence) after: tests that need the jit to fall back unset SLOPE_JIT_STRICT this way.
#include <cstdlib>
#include <optional>
#include <string>

namespace slope_test {

class EnvGuard {
 public:
  EnvGuard(const char* name, const std::optional<std::string>& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value)
      ::setenv(name, value->c_str(), 1);
    else
      ::unsetenv(name);
  }
  ~EnvGuard() {
    if (old_)
      ::setenv(name_, old_->c_str(), 1);
    else
      ::unsetenv(name_);
  }
  EnvGuard(const EnvGuard&) = delete;
  EnvGuard& operator=(const EnvGuard&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

}  // namespace slope_test
