// unary_with_derivative / binary_with_derivative (with_derivative.h): one custom_jvp each.
#include "with_derivative.h"

#include "slope/custom.h"
#include "slope/ops.h"

namespace slope::detail {

Tensor unary_with_derivative(const char* name, const Tensor& x, std::function<Tensor(const Tensor&)> f,
                             std::function<Tensor(const Tensor& x, const Tensor& y)> derivative) {
  TensorsFn ff = [f](const Tensors& a) { return Tensors{f(a[0])}; };
  JvpRuleFn rule = [name = std::string(name), f, derivative](const Tensors& p, const Tensors& t) {
    // y through the op itself, not f: an enclosing transformation (a higher derivative) then
    // meets this rule again instead of differentiating f's formula.
    Tensor y = unary_with_derivative(name.c_str(), p[0], f, derivative);
    return std::make_pair(Tensors{y}, Tensors{mul(t[0], derivative(p[0], y))});
  };
  return call_custom_jvp(ff, rule, name, {x.aval()}, {x})[0];
}

Tensor binary_with_derivative(const char* name, const Tensor& a, const Tensor& b,
                              std::function<Tensor(const Tensor&, const Tensor&)> f, BinaryPartials partials) {
  TensorsFn ff = [f](const Tensors& x) { return Tensors{f(x[0], x[1])}; };
  JvpRuleFn rule = [name = std::string(name), f, partials](const Tensors& p, const Tensors& t) {
    Tensor z = binary_with_derivative(name.c_str(), p[0], p[1], f, partials);  // see unary_with_derivative
    auto [da, db] = partials(p[0], p[1], z);
    return std::make_pair(Tensors{z}, Tensors{add(mul(t[0], da), mul(t[1], db))});
  };
  return call_custom_jvp(ff, rule, name, {a.aval()}, {a, b})[0];
}

}  // namespace slope::detail
