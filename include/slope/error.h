#pragma once
// slope::Error: the one exception type every public entry point throws on bad input.
// Messages start with the op or transform in brackets, e.g. "[matmul] ...".
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace slope {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

namespace detail {
template <class... Args>
std::string concat(Args&&... args) {
  std::ostringstream os;
  (os << ... << std::forward<Args>(args));
  return os.str();
}
}  // namespace detail

// fail("matmul", "inner dims differ: ", a, " vs ", b) throws "[matmul] inner dims differ: ..."
template <class... Args>
[[noreturn]] void fail(const char* op, Args&&... args) {
  throw Error(detail::concat("[", op, "] ", std::forward<Args>(args)...));
}

// Its arguments are evaluated before the call: on paths every operation takes (shape rules), write
// `if (!cond) fail(...)` when the message needs to_string(...), so no string is built on success.
template <class... Args>
void check(bool ok, const char* op, Args&&... args) {
  if (!ok) fail(op, std::forward<Args>(args)...);
}

}  // namespace slope
