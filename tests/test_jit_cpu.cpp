// The cpu backend's compiled programs (codegen*.cpp) against eager execution on the same backend.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <random>

#include "slope/backend.h"
#include "slope/interpreter.h"
#include "slope/ops.h"

namespace {

using namespace slope;

struct Builder {
  Program p;
  int input(const Shape& s, DType d) {
    int v = p.new_var(AVal{s, d});
    p.inputs.push_back(v);
    return v;
  }
  int op(Prim prim, Params params, std::vector<Atom> in) {
    std::vector<AVal> avals;
    for (const Atom& a : in) avals.push_back(p.aval(a));
    AVal out;
    infer(prim, params, avals.data(), avals.size(), &out);
    int v = p.new_var(out);
    p.instructions.push_back(Instruction{prim, std::move(params), std::move(in), {v}});
    return v;
  }
  void output(int v) { p.outputs.push_back(Atom{v, {}}); }
};
Atom V(int v) { return Atom{v, {}}; }

TEST(JitCpu, Smoke) {
  Builder b;
  int x = b.input({1 << 16}, f32);
  int two = b.op(Prim::expand, ShapeParams{{1 << 16}}, {V(b.op(Prim::reshape, ShapeParams{{1}}, {Atom{-1, Tensor(2.0f)}}))});
  int y = b.op(Prim::mul, NoParams{}, {V(x), V(two)});
  int z = b.op(Prim::tanh, NoParams{}, {V(y)});
  int w = b.op(Prim::mul, NoParams{}, {V(z), V(x)});
  b.output(w);
  b.output(b.op(Prim::sum, AxesParams{{0}}, {V(w)}));
  auto exe = get_backend("cpu").compile(b.p);
  std::printf("%s\n", exe->code().c_str());
  Tensor in = arange(0, 1 << 16, 1, f32) * 1e-4f;
  auto r = exe->run(std::vector<Tensor>{in});
  BackendScope s("cpu");
  auto e = b.p.run({in});
  EXPECT_EQ(r[0].to_vector<float>(), e[0].to_vector<float>());
  EXPECT_NEAR(r[1].item<float>(), e[1].item<float>(), 1e-2);
}

}  // namespace
