// The op name errors carry (error.h OpScope): one pointer per thread.
#include "slope/error.h"

namespace slope::detail {

namespace {
thread_local const char* t_current_op = nullptr;
}  // namespace

const char* current_op() noexcept { return t_current_op; }
void set_current_op(const char* op) noexcept { t_current_op = op; }

}  // namespace slope::detail
