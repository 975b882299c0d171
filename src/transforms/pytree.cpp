// Pytree helpers that need no template: the field-name list SLOPE_PYTREE stringifies.
#include "slope/pytree.h"

namespace slope::detail {

std::vector<std::string> split_field_names(const char* list) {
  std::vector<std::string> names;
  std::string cur;
  auto flush = [&] {
    size_t a = cur.find_first_not_of(" \t\n"), b = cur.find_last_not_of(" \t\n");
    names.push_back(a == std::string::npos ? std::string() : cur.substr(a, b - a + 1));
    cur.clear();
  };
  for (const char* c = list; *c; ++c) {
    if (*c == ',') flush();
    else cur += *c;
  }
  flush();
  return names;
}

}  // namespace slope::detail
