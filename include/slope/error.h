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
// The public operation running on this thread (the outermost OpScope), or nullptr.
const char* current_op() noexcept;
void set_current_op(const char* op) noexcept;

template <class... Args>
std::string concat(Args&&... args) {
  std::ostringstream os;
  (os << ... << std::forward<Args>(args));
  return os.str();
}
}  // namespace detail

// Errors name the operation the user called. A public operation opens an OpScope with its name;
// every error thrown while it runs, by it or by the operations it is built of, starts with that
// name: scatter_add's bounds check is a gather under jit, but its error reads "[scatter_add] ...".
// The outermost scope wins (a procedure calling another reports the one the user called). jit
// keeps the name in each recorded instruction, so errors found when the compiled program runs
// name the op too. `op` must have static storage (a string literal).
class OpScope {
 public:
  explicit OpScope(const char* op) noexcept : outer_(detail::current_op() != nullptr) {
    if (!outer_) detail::set_current_op(op);
  }
  ~OpScope() {
    if (!outer_) detail::set_current_op(nullptr);
  }
  OpScope(const OpScope&) = delete;
  OpScope& operator=(const OpScope&) = delete;

 private:
  bool outer_;  // a scope was already open: this one changes nothing
};

// fail("matmul", "inner dims differ: ", a, " vs ", b) throws "[matmul] inner dims differ: ...",
// or "[<op>] inner dims differ: ..." inside OpScope(<op>).
template <class... Args>
[[noreturn]] void fail(const char* op, Args&&... args) {
  const char* user_op = detail::current_op();
  throw Error(detail::concat("[", user_op ? user_op : op, "] ", std::forward<Args>(args)...));
}

// Its arguments are evaluated before the call: on paths every operation takes (shape rules), write
// `if (!cond) fail(...)` when the message needs to_string(...), so no string is built on success.
template <class... Args>
void check(bool ok, const char* op, Args&&... args) {
  if (!ok) fail(op, std::forward<Args>(args)...);
}

}  // namespace slope
