#pragma once
// The C++ side of the PyTorch oracle: every op of the TORCH table of tests/torch/golden/reference.py mapped to its
// slope spellings (free function, Tensor method, operator), with the case's kwargs turned into C++
// arguments. Used by the forward, gradient and jit suites of tests/test_torch_ops.cpp.
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <slope/slope.h>

namespace slope_test {

using json = nlohmann::json;
using In = const std::vector<slope::Tensor>&;
using Kw = const json&;
using Out = std::vector<slope::Tensor>;
using Fn = std::function<Out(In, Kw)>;

struct NotApplicable {};
struct Form {
  const char* how;
  Fn fn;
  // The op this spelling calls when it is not the one the case names (x.view(...) for a reshape
  // case): an error must name the op the user called.
  const char* calls = nullptr;
};
using Table = std::map<std::string, std::vector<Form>>;

// The dispatch table: op name -> its spellings.
const Table& table();

// kwargs: a number (the strings "nan", "inf", "-inf" too), a float with a default, a bool with a default.
double num(const json& v);
double dbl(Kw kw, const char* k, double dflt);
bool flag(Kw kw, const char* k, bool dflt = false);

}  // namespace slope_test
