// Program passes (src/program/): typecheck, eliminate_dead_code,
// eliminate_common_subexpressions, fold_constants, to_dot. Programs are built by hand and taken
// from linearize; every pass must keep the program well typed and computing the same values
// (bit for bit: the passes only remove or pre-compute the very same operations).
#include <gtest/gtest.h>
#include <slope/slope.h>

#include <array>
#include <chrono>
#include <cmath>
#include <limits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "slope/call.h"

namespace {

using slope::AVal;
using slope::Atom;
using slope::Instruction;
using slope::Params;
using slope::Prim;
using slope::Program;
using slope::Shape;
using slope::Tensor;

#define EXPECT_ERROR_WITH(stmt, ...)                                                           \
  do {                                                                                         \
    try {                                                                                      \
      (void)(stmt);                                                                            \
      ADD_FAILURE() << #stmt << " did not throw";                                              \
    } catch (const slope::Error& e_) {                                                         \
      std::string what_(e_.what());                                                            \
      for (const char* part_ : {__VA_ARGS__})                                                  \
        EXPECT_NE(what_.find(part_), std::string::npos) << "missing \"" << part_ << "\" in: " << what_; \
    }                                                                                          \
  } while (0)

Atom V(int v) { return Atom{v, Tensor()}; }
Atom C(const Tensor& t) { return Atom{-1, t}; }

// Appends `prim(inputs; params)` with output types from the shape rule; returns its first output.
int emit(Program& p, Prim prim, std::vector<Atom> inputs, Params params = slope::NoParams{}) {
  std::vector<AVal> in;
  for (const Atom& a : inputs) in.push_back(p.aval(a));
  size_t n = slope::num_outputs(prim, params);
  std::vector<AVal> out(n);
  slope::infer(prim, params, in.data(), in.size(), out.data());
  Instruction ins{prim, params, std::move(inputs), {}};
  for (const AVal& a : out) ins.outputs.push_back(p.new_var(a));
  p.instructions.push_back(std::move(ins));
  return p.instructions.back().outputs[0];
}

int input(Program& p, const AVal& a) {
  int v = p.new_var(a);
  p.inputs.push_back(v);
  return v;
}

std::vector<Tensor> random_args(const Program& p) {
  std::vector<Tensor> args;
  for (int v : p.inputs) {
    const AVal& a = p.vars[v];
    args.push_back(slope::is_floating(a.dtype) ? slope::randn(a.shape, a.dtype) : slope::randint(0, 5, a.shape, a.dtype));
  }
  return args;
}

// Same types and the same bytes (NaNs included).
void expect_same(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].defined(), b[i].defined()) << "output " << i;
    if (!a[i].defined()) continue;
    ASSERT_EQ(a[i].aval(), b[i].aval()) << "output " << i;
    size_t n = static_cast<size_t>(a[i].numel()) * slope::itemsize(a[i].dtype());
    EXPECT_EQ(std::memcmp(a[i].data(), b[i].data(), n), 0) << "output " << i << ": " << a[i] << " vs " << b[i];
  }
}

// The contract of every pass: well typed, same interface, same values.
void expect_equivalent(const Program& before, const Program& after, int trials = 3) {
  ASSERT_NO_THROW(slope::typecheck(after)) << after.str();
  ASSERT_EQ(before.inputs.size(), after.inputs.size());
  for (size_t i = 0; i < before.inputs.size(); ++i)
    EXPECT_EQ(before.vars[before.inputs[i]], after.vars[after.inputs[i]]) << "input " << i;
  ASSERT_EQ(before.outputs.size(), after.outputs.size());
  for (int t = 0; t < trials; ++t) {
    std::vector<Tensor> args = random_args(before);
    expect_same(before.run(args), after.run(args));
  }
}

size_t count(const Program& p, Prim prim) {
  size_t n = 0;
  for (const Instruction& ins : p.instructions) n += ins.prim == prim;
  return n;
}

const AVal f23{Shape{2, 3}, slope::f32};

// A call body that doubles its operand (for checking how passes treat `call`).
class DoubleBody final : public slope::CallBody {
 public:
  std::string name() const override { return "double"; }
  size_t num_outputs() const override { return 1; }
  std::vector<AVal> infer(std::span<const AVal> in) const override {
    slope::check(in.size() == 1, "double", "expects 1 operand");
    return {in[0]};
  }
  std::vector<Tensor> eval(std::span<const Tensor> in) const override { return {in[0] + in[0]}; }
};

bool have_dot() { return std::system("which dot > /dev/null 2>&1") == 0; }

// Runs Graphviz on the text: the DOT must be what Graphviz reads (scripts/deps.sh installs it).
void expect_valid_dot(const std::string& text) {
  if (!have_dot()) {
    ADD_FAILURE() << "Graphviz's `dot` is not on PATH: install the graphviz package (scripts/deps.sh does)";
    return;
  }
  std::string path = testing::TempDir() + "slope_passes_test.dot";
  {
    std::ofstream f(path);
    f << text;
  }
  std::string cmd = "dot -Tsvg '" + path + "' -o /dev/null";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << text;
  std::remove(path.c_str());
}

// ---------------- typecheck ----------------

TEST(Passes, TypecheckAcceptsWellFormed) {
  Program p;
  int x = input(p, f23), y = input(p, f23);
  int a = emit(p, Prim::add, {V(x), V(y)});
  int b = emit(p, Prim::mul, {V(a), C(slope::ones({2, 3}))});
  int s = emit(p, Prim::sum, {V(b)}, slope::AxesParams{{1}});
  p.outputs = {V(s), V(x), C(slope::zeros({4})), Atom{-1, Tensor()}};  // a symbolic zero is allowed
  EXPECT_NO_THROW(slope::typecheck(p));
}

TEST(Passes, TypecheckRejectsMalformedPrograms) {
  auto base = [] {
    Program p;
    int x = input(p, f23);
    int y = emit(p, Prim::exp, {V(x)});
    p.outputs = {V(y)};
    return p;
  };
  {
    Program p = base();
    p.inputs.push_back(7);
    EXPECT_ERROR_WITH(slope::typecheck(p), "[typecheck]", "input 1", "out of range");
  }
  {
    Program p = base();
    p.inputs.push_back(p.inputs[0]);
    EXPECT_ERROR_WITH(slope::typecheck(p), "[typecheck]", "input 1 repeats var x0");
  }
  {
    Program p = base();
    p.vars[p.inputs[0]].shape = {-1, 3};
    p.vars[1].shape = {-1, 3};
    EXPECT_ERROR_WITH(slope::typecheck(p), "[typecheck]", "negative dimension");
  }
  {  // use before definition
    Program p = base();
    int later = p.new_var(f23);
    p.instructions.insert(p.instructions.begin(), Instruction{Prim::neg, slope::NoParams{}, {V(1)}, {later}});
    EXPECT_ERROR_WITH(slope::typecheck(p), "[typecheck]", "instruction 0 (neg)", "operand 0 uses z1 before it is defined");
  }
  {  // an instruction may not read its own output
    Program p = base();
    p.instructions[0].inputs[0] = V(1);
    EXPECT_ERROR_WITH(slope::typecheck(p), "instruction 0 (exp)", "uses z1 before it is defined");
  }
  {
    Program p = base();
    p.instructions[0].inputs[0] = V(42);
    EXPECT_ERROR_WITH(slope::typecheck(p), "instruction 0 (exp) operand 0 is var 42, out of range");
  }
  {  // writing an input
    Program p = base();
    p.instructions[0].outputs[0] = p.inputs[0];
    EXPECT_ERROR_WITH(slope::typecheck(p), "instruction 0 (exp) output 0 redefines x0, already defined by an input");
  }
  {  // two definitions of one var
    Program p = base();
    p.instructions.push_back(Instruction{Prim::neg, slope::NoParams{}, {V(0)}, {1}});
    EXPECT_ERROR_WITH(slope::typecheck(p), "instruction 1 (neg) output 0 redefines z1, already defined by instruction 0");
  }
  {  // declared type differs from the shape rule's
    Program p = base();
    p.vars[1] = AVal{Shape{3, 2}, slope::f32};
    EXPECT_ERROR_WITH(slope::typecheck(p), "instruction 0 (exp) output 0 (z1)", "declared [3, 2] f32",
                      "shape rule gives [2, 3] f32");
  }
  {
    Program p = base();
    p.vars[1] = AVal{Shape{2, 3}, slope::f64};
    EXPECT_ERROR_WITH(slope::typecheck(p), "declared [2, 3] f64", "gives [2, 3] f32");
  }
  {  // the shape rule itself rejects the operands: named with the instruction
    Program p = base();
    p.instructions.push_back(Instruction{Prim::add, slope::NoParams{}, {V(1), C(slope::ones({3}))}, {p.new_var(f23)}});
    EXPECT_ERROR_WITH(slope::typecheck(p), "[typecheck] instruction 1 (add) on ([2, 3] f32, [3] f32)", "shape rule rejects", "[add]");
  }
  {  // bad params for the primitive
    Program p = base();
    p.instructions.push_back(Instruction{Prim::sum, slope::NoParams{}, {V(1)}, {p.new_var(f23)}});
    EXPECT_ERROR_WITH(slope::typecheck(p), "instruction 1 (sum)", "[sum]", "wrong kind");
  }
  {
    Program p = base();
    p.instructions.push_back(Instruction{Prim::sum, slope::AxesParams{{5}}, {V(1)}, {p.new_var(f23)}});
    EXPECT_ERROR_WITH(slope::typecheck(p), "instruction 1 (sum axes=[5])", "[sum]");
  }
  {  // wrong number of outputs
    Program p = base();
    p.instructions[0].outputs.push_back(p.new_var(f23));
    EXPECT_ERROR_WITH(slope::typecheck(p), "instruction 0 (exp) declares 2 output(s), the primitive produces 1");
  }
  {
    Program p = base();
    p.instructions[0].outputs.clear();
    EXPECT_ERROR_WITH(slope::typecheck(p), "declares 0 output(s)");
  }
  {  // constants
    Program p = base();
    p.instructions.push_back(Instruction{Prim::add, slope::NoParams{}, {V(1), Atom{-1, Tensor()}}, {p.new_var(f23)}});
    EXPECT_ERROR_WITH(slope::typecheck(p), "instruction 1 (add) operand 1 is a constant with an empty Tensor handle");
  }
  {
    Program p = base();
    Tensor tracer(std::make_shared<slope::TensorImpl>(f23));  // no buffer: not concrete
    p.instructions.push_back(Instruction{Prim::add, slope::NoParams{}, {V(1), C(tracer)}, {p.new_var(f23)}});
    EXPECT_ERROR_WITH(slope::typecheck(p), "instruction 1 (add) operand 1", "not concrete");
  }
  {  // program outputs
    Program p = base();
    p.outputs.push_back(V(9));
    EXPECT_ERROR_WITH(slope::typecheck(p), "output 1 is var 9, out of range");
  }
  {
    Program p = base();
    p.new_var(f23);
    p.outputs.push_back(V(2));
    EXPECT_ERROR_WITH(slope::typecheck(p), "output 1 is z2, which no input or instruction defines");
  }
  {  // garbage primitive code and a call without a body
    Program p = base();
    p.instructions[0].prim = static_cast<Prim>(200);
    EXPECT_ERROR_WITH(slope::typecheck(p), "instruction 0 has an invalid primitive code 200");
    Program q = base();
    q.instructions.push_back(Instruction{Prim::call, slope::CallParams{nullptr}, {V(1)}, {q.new_var(f23)}});
    EXPECT_ERROR_WITH(slope::typecheck(q), "instruction 1 (call body=<null>)", "needs a body");
  }
}

TEST(Passes, TypecheckChecksCalls) {
  auto body = std::make_shared<DoubleBody>();
  Program p;
  int x = input(p, f23);
  int y = emit(p, Prim::call, {V(x)}, slope::CallParams{body});
  p.outputs = {V(y)};
  EXPECT_NO_THROW(slope::typecheck(p));
  expect_equivalent(p, p);
  p.vars[y] = AVal{Shape{2, 3}, slope::f64};
  EXPECT_ERROR_WITH(slope::typecheck(p), "instruction 0 (call) output 0", "declared [2, 3] f64");
}

// ---------------- dead code ----------------

TEST(Passes, DeadCodeDropsUnusedInstructions) {
  auto body = std::make_shared<DoubleBody>();
  Program p;
  int x = input(p, f23), unused = input(p, AVal{Shape{4}, slope::i32});
  int a = emit(p, Prim::exp, {V(x)});
  int dead1 = emit(p, Prim::sin, {V(a)});
  emit(p, Prim::neg, {V(dead1)});                                    // dead chain
  emit(p, Prim::call, {V(x)}, slope::CallParams{body});              // a dead call: no side effects
  emit(p, Prim::threefry, {C(slope::random::key(1)), C(slope::zeros({4}, slope::u32))});  // dead randomness
  emit(p, Prim::full, {}, slope::FullParams{{3}, slope::f32, 1.0});  // dead constant maker
  int live_call = emit(p, Prim::call, {V(a)}, slope::CallParams{body});
  int b = emit(p, Prim::mul, {V(a), V(live_call)});
  int c = emit(p, Prim::cast, {V(unused)}, slope::CastParams{slope::f32});
  p.outputs = {V(b), V(x), C(slope::ones({2})), V(c)};
  ASSERT_NO_THROW(slope::typecheck(p));

  Program q = slope::eliminate_dead_code(p);
  expect_equivalent(p, q);
  EXPECT_EQ(q.instructions.size(), 4u) << q.str();  // exp, call, mul, cast
  EXPECT_EQ(count(q, Prim::call), 1u);
  EXPECT_EQ(count(q, Prim::sin) + count(q, Prim::neg) + count(q, Prim::threefry) + count(q, Prim::full), 0u);
  // inputs keep their order and types (even unused ones), and vars are renumbered densely
  EXPECT_EQ(q.inputs, (std::vector<int>{0, 1}));
  EXPECT_EQ(q.vars.size(), 2u + 4u);
  // already minimal: a fixed point
  EXPECT_EQ(slope::eliminate_dead_code(q).str(), q.str());
}

TEST(Passes, DeadCodeKeepsMultiOutputInstructionsWithOneLiveOutput) {
  // A call with two outputs, only the second used.
  class PairBody final : public slope::CallBody {
   public:
    std::string name() const override { return "pair \"2\" \\ {x}\nnext"; }  // hostile to DOT
    size_t num_outputs() const override { return 2; }
    std::vector<AVal> infer(std::span<const AVal> in) const override { return {in[0], in[0]}; }
    std::vector<Tensor> eval(std::span<const Tensor> in) const override { return {slope::exp(in[0]), slope::sin(in[0])}; }
  };
  Program p;
  int x = input(p, f23);
  emit(p, Prim::call, {V(x)}, slope::CallParams{std::make_shared<PairBody>()});
  int second = p.instructions.back().outputs[1];
  p.outputs = {V(second)};
  Program q = slope::eliminate_dead_code(p);
  expect_equivalent(p, q);
  EXPECT_EQ(q.instructions.size(), 1u);
  // DOT: an edge from a multi-output instruction names the output; the body's name is escaped
  std::string dot = slope::to_dot(p);
  EXPECT_NE(dot.find("i0 -> outputs [label=\"1 -> 0\"]"), std::string::npos) << dot;
  EXPECT_NE(dot.find("label=\"call\\nbody=pair \\\"2\\\" \\\\ {x}\\nnext\\n-> [2, 3] f32, [2, 3] f32\"]"),
            std::string::npos)
      << dot;
  expect_valid_dot(dot);
  Program none;
  input(none, f23);
  emit(none, Prim::exp, {V(0)});
  none.outputs = {};
  EXPECT_EQ(slope::eliminate_dead_code(none).instructions.size(), 0u);
}

// ---------------- common subexpressions ----------------

TEST(Passes, CommonSubexpressionsMerge) {
  Program p;
  int x = input(p, f23), y = input(p, f23);
  Tensor big = slope::randn({5, 5});
  Tensor big_copy = big + 0.0f;  // equal values, another tensor: too big to compare by value
  int a1 = emit(p, Prim::add, {V(x), V(y)});
  int a2 = emit(p, Prim::add, {V(x), V(y)});                  // = a1
  int a3 = emit(p, Prim::add, {V(y), V(x)});                  // operand order matters: kept
  int e1 = emit(p, Prim::exp, {V(a1)});
  int e2 = emit(p, Prim::exp, {V(a2)});                        // = e1 after renaming a2 -> a1
  int s1 = emit(p, Prim::sum, {V(e1)}, slope::AxesParams{{0}});
  int s2 = emit(p, Prim::sum, {V(e2)}, slope::AxesParams{{1}});  // other params: kept
  int s3 = emit(p, Prim::sum, {V(e2)}, slope::AxesParams{{0}});  // = s1
  Tensor two_a = slope::full({3}, 2.0f), two_b = slope::full({3}, 2.0f), three = slope::full({3}, 3.0f);
  int m1 = emit(p, Prim::mul, {V(s1), C(two_a)});
  int m2 = emit(p, Prim::mul, {V(s3), C(two_b)});              // equal small constants: = m1
  int m3 = emit(p, Prim::mul, {V(s1), C(three)});              // other value: kept
  int b1 = emit(p, Prim::matmul, {C(big), C(big)});
  int b2 = emit(p, Prim::matmul, {C(big), C(big)});            // same constant tensor: = b1
  int b3 = emit(p, Prim::matmul, {C(big_copy), C(big)});       // big and only equal by value: kept
  int f1 = emit(p, Prim::full, {}, slope::FullParams{{2, 3}, slope::f32, 1.5});
  int f2 = emit(p, Prim::full, {}, slope::FullParams{{2, 3}, slope::f32, 1.5});   // = f1
  int f3 = emit(p, Prim::full, {}, slope::FullParams{{2, 3}, slope::f32, -1.5});  // kept
  int r1 = emit(p, Prim::arange, {}, slope::ArangeParams{3, 0, 1, slope::i64});
  int r2 = emit(p, Prim::arange, {}, slope::ArangeParams{3, 0, 1, slope::i64});   // = r1
  int c1 = emit(p, Prim::cast, {V(x)}, slope::CastParams{slope::f64});
  int c2 = emit(p, Prim::cast, {V(x)}, slope::CastParams{slope::f16});            // other dtype: kept
  p.outputs = {V(a2), V(a3), V(s2), V(m1), V(m2), V(m3), V(b1), V(b2), V(b3), V(f1), V(f2), V(f3),
               V(r1), V(r2), V(c1), V(c2), V(e2)};
  ASSERT_NO_THROW(slope::typecheck(p));

  Program q = slope::eliminate_common_subexpressions(p);
  expect_equivalent(p, q);
  EXPECT_EQ(p.instructions.size() - q.instructions.size(), 7u) << q.str();  // a2 e2 s3 m2 b2 f2 r2
  EXPECT_EQ(count(q, Prim::add), 2u);
  EXPECT_EQ(count(q, Prim::exp), 1u);
  EXPECT_EQ(count(q, Prim::sum), 2u);
  EXPECT_EQ(count(q, Prim::mul), 2u);
  EXPECT_EQ(count(q, Prim::matmul), 2u);
  EXPECT_EQ(count(q, Prim::full), 2u);
  EXPECT_EQ(count(q, Prim::arange), 1u);
  EXPECT_EQ(count(q, Prim::cast), 2u);
  // uses renamed: the outputs point at the surviving instructions
  EXPECT_EQ(q.outputs[0].var, a1);
  EXPECT_EQ(q.outputs[16].var, e1);
  EXPECT_EQ(q.outputs[4].var, m1);
  // then DCE drops nothing more here (all survivors are used), and a second CSE is a fixed point
  EXPECT_EQ(slope::eliminate_common_subexpressions(q).instructions.size(), q.instructions.size());
}

TEST(Passes, CommonSubexpressionsDistinguishConstants) {
  Program p;
  int x = input(p, AVal{Shape{}, slope::f32});
  // 0.0 and -0.0 are equal numbers but different values (1/x tells them apart): kept apart.
  int z1 = emit(p, Prim::add, {V(x), C(Tensor(0.0f))});
  int z2 = emit(p, Prim::add, {V(x), C(Tensor(-0.0f))});
  // Two NaN tensors with one bit pattern are the same value.
  float nan = std::numeric_limits<float>::quiet_NaN();
  int n1 = emit(p, Prim::add, {V(x), C(Tensor(nan))});
  int n2 = emit(p, Prim::add, {V(x), C(Tensor(nan))});
  // Equal bytes in different dtypes (i32 0 and f32 0.0 are both four zero bytes): different.
  int k1 = emit(p, Prim::cast, {C(slope::tensor(0, slope::i32))}, slope::CastParams{slope::f32});
  int k2 = emit(p, Prim::cast, {C(Tensor(0.0f))}, slope::CastParams{slope::f32});
  int k3 = emit(p, Prim::cast, {C(slope::tensor(0, slope::u32))}, slope::CastParams{slope::f32});
  // Equal bytes, equal dtype, different shapes: different.
  int r1 = emit(p, Prim::reshape, {C(slope::zeros({2, 2}))}, slope::ShapeParams{{4}});
  int r2 = emit(p, Prim::reshape, {C(slope::zeros({4}))}, slope::ShapeParams{{4}});
  // Identical calls are left alone (CSE does not look into call bodies).
  auto body = std::make_shared<DoubleBody>();
  int c1 = emit(p, Prim::call, {V(x)}, slope::CallParams{body});
  int c2 = emit(p, Prim::call, {V(x)}, slope::CallParams{body});
  p.outputs = {V(z1), V(z2), V(n1), V(n2), V(k1), V(k2), V(k3), V(r1), V(r2), V(c1), V(c2)};
  Program q = slope::eliminate_common_subexpressions(p);
  expect_equivalent(p, q);
  EXPECT_EQ(q.instructions.size(), p.instructions.size() - 1) << q.str();  // only n2
  EXPECT_EQ(q.outputs[3].var, n1);
  EXPECT_EQ(count(q, Prim::call), 2u);
}

// ---------------- constant folding ----------------

TEST(Passes, FoldConstantsEvaluatesSmallConstantInstructions) {
  auto body = std::make_shared<DoubleBody>();
  Program p;
  int x = input(p, AVal{Shape{3}, slope::f32});
  Tensor c = slope::tensor({1.0f, 2.0f, 3.0f});
  int e = emit(p, Prim::exp, {C(c)});                 // folded
  int a = emit(p, Prim::add, {V(e), C(c)});           // folded (its operand was folded first)
  int m = emit(p, Prim::mul, {V(x), V(a)});           // kept, reads the folded constant
  int big = emit(p, Prim::expand, {C(slope::tensor({1.5f}))}, slope::ShapeParams{{2000}});  // too big: kept
  int s = emit(p, Prim::sum, {V(big)}, slope::AxesParams{{0}});                              // reads a var: kept
  int f = emit(p, Prim::full, {}, slope::FullParams{{3}, slope::f32, 2.0});                  // free at run time: kept
  int fm = emit(p, Prim::mul, {V(f), V(x)});
  int k = emit(p, Prim::threefry, {C(slope::random::key(7)), C(slope::arange(5, slope::u32))});  // folded
  int cl = emit(p, Prim::call, {C(c)}, slope::CallParams{body});                                  // never folded
  int g = emit(p, Prim::gather, {C(c), C(slope::tensor({2, 0}, slope::i64))}, slope::AxisParams{0});  // folded
  p.outputs = {V(m), V(s), V(fm), V(k), V(cl), V(g), V(a)};
  ASSERT_NO_THROW(slope::typecheck(p));

  Program q = slope::fold_constants(p);
  expect_equivalent(p, q);
  EXPECT_EQ(q.instructions.size(), 6u) << q.str();  // mul, expand, sum, full, mul, call
  EXPECT_EQ(count(q, Prim::exp) + count(q, Prim::add) + count(q, Prim::threefry) + count(q, Prim::gather), 0u);
  EXPECT_EQ(count(q, Prim::call), 1u);
  EXPECT_EQ(count(q, Prim::expand), 1u);
  // folded program outputs become constants with the computed values
  ASSERT_FALSE(q.outputs[3].is_var());
  Tensor bits = slope::bind1(Prim::threefry, {slope::random::key(7), slope::arange(5, slope::u32)});
  EXPECT_EQ(q.outputs[3].value.to_vector<uint32_t>(), bits.to_vector<uint32_t>());
  ASSERT_FALSE(q.outputs[5].is_var());
  EXPECT_EQ(q.outputs[5].value.to_vector<float>(), (std::vector<float>{3.0f, 1.0f}));
  ASSERT_FALSE(q.outputs[6].is_var());
  // the multiply now reads a constant operand
  ASSERT_EQ(q.instructions[0].prim, Prim::mul);
  EXPECT_FALSE(q.instructions[0].inputs[1].is_var());
  // fold then DCE: the dead vars' types are gone
  Program r = slope::eliminate_dead_code(q);
  expect_equivalent(p, r);
  EXPECT_EQ(r.instructions.size(), 6u);
}

TEST(Passes, FoldConstantsLeavesFailingInstructions) {
  // An integer division by zero must still fail when the program runs, not when it is optimised.
  Program p;
  int x = input(p, AVal{Shape{2}, slope::i32});
  int d = emit(p, Prim::div, {C(slope::tensor({1, 2}, slope::i32)), C(slope::tensor({1, 0}, slope::i32))});
  int y = emit(p, Prim::add, {V(x), V(d)});
  p.outputs = {V(y)};
  Program q;
  ASSERT_NO_THROW(q = slope::fold_constants(p));
  EXPECT_EQ(q.instructions.size(), 2u);
  EXPECT_NO_THROW(slope::typecheck(q));
  EXPECT_THROW(q.run({slope::tensor({1, 1}, slope::i32)}), slope::Error);
}

TEST(Passes, FoldConstantsUnderATransformation) {
  // A pass may run while jvp/grad is tracing (jit inside grad): the folding must happen at the
  // root, giving concrete constants, not tracers of the running transformation.
  Program p;
  int x = input(p, AVal{Shape{3}, slope::f32});
  int e = emit(p, Prim::sin, {C(slope::tensor({0.5f, 1.0f, 2.0f}))});
  int y = emit(p, Prim::mul, {V(x), V(e)});
  p.outputs = {V(y)};
  Program q;
  slope::detail::jvp_flat(
      [&](const std::vector<Tensor>& in) {
        q = slope::fold_constants(p);
        return std::vector<Tensor>{in[0] * 2.0f};
      },
      {slope::ones({3})}, {slope::ones({3})});
  ASSERT_EQ(q.instructions.size(), 1u);
  EXPECT_TRUE(q.instructions[0].inputs[1].value.is_concrete());
  expect_equivalent(p, q);
}

// ---------------- realistic programs (from linearize) ----------------

TEST(Passes, LinearizedPrograms) {
  Tensor x = slope::randn({4, 3}), w = slope::randn({3, 5});
  auto f = [](const std::vector<Tensor>& in) {
    const Tensor& x = in[0];
    const Tensor& w = in[1];
    Tensor h1 = slope::tanh(slope::matmul(x, w));
    Tensor h2 = slope::tanh(slope::matmul(x, w));  // the same work twice: CSE material
    Tensor unused = slope::exp(x) * 3.0f;          // its tangent is dead code
    (void)unused;
    Tensor loss = (h1 * h2).sum() + slope::sin(x).sum();
    Tensor count = slope::tensor(3, slope::i64);  // an integer output: symbolic-zero tangent
    return std::vector<Tensor>{loss, h1 + h2, count};
  };
  slope::detail::Linearized lin = slope::detail::linearize_flat(f, {x, w});
  const Program& p = *lin.linear;
  ASSERT_NO_THROW(slope::typecheck(p)) << p.str();
  ASSERT_FALSE(p.outputs[2].is_var());
  EXPECT_FALSE(p.outputs[2].value.defined());

  Program d = slope::eliminate_dead_code(p);
  expect_equivalent(p, d);
  EXPECT_LT(d.instructions.size(), p.instructions.size()) << p.str() << d.str();
  Program c = slope::eliminate_common_subexpressions(p);
  expect_equivalent(p, c);
  EXPECT_LT(c.instructions.size(), p.instructions.size()) << p.str() << c.str();
  Program k = slope::fold_constants(p);
  expect_equivalent(p, k);
  // all together, in the order optimize uses
  Program all = slope::eliminate_dead_code(slope::eliminate_common_subexpressions(slope::fold_constants(p)));
  expect_equivalent(p, all);
  EXPECT_LT(all.instructions.size(), d.instructions.size());
  // and the result still works as a linear map in apply_linear
  slope::detail::Linearized lin2 = lin;
  lin2.linear = std::make_shared<Program>(all);
  Tensor tx = slope::randn({4, 3}), tw = slope::randn({3, 5});
  expect_same(slope::detail::apply_linear(lin, {tx, tw}), slope::detail::apply_linear(lin2, {tx, tw}));
  // transposing sums cotangents in another order once duplicates are merged: equal up to rounding
  std::vector<Tensor> cts = {Tensor(1.0f), slope::ones({4, 5}), slope::zeros({}, slope::i64)};
  std::vector<Tensor> g1 = slope::detail::apply_transpose(lin, cts), g2 = slope::detail::apply_transpose(lin2, cts);
  ASSERT_EQ(g1.size(), g2.size());
  for (size_t i = 0; i < g1.size(); ++i) {
    ASSERT_EQ(g1[i].aval(), g2[i].aval());
    std::vector<double> u = g1[i].to_vector<double>(), v = g2[i].to_vector<double>();
    for (size_t j = 0; j < u.size(); ++j) EXPECT_NEAR(u[j], v[j], 1e-5 * (1 + std::abs(u[j]))) << "gradient " << i;
  }
}

// ---------------- Graphviz ----------------

TEST(Passes, DotOutput) {
  auto body = std::make_shared<DoubleBody>();
  Program p;
  int x = input(p, f23), y = input(p, AVal{Shape{1, 3}, slope::f32});
  Tensor two(2.0f);
  int a = emit(p, Prim::expand, {V(y)}, slope::ShapeParams{{2, 3}});
  int b = emit(p, Prim::add, {V(x), V(a)});
  int c = emit(p, Prim::mul, {V(b), C(slope::full({2, 3}, 2.0f))});
  int d = emit(p, Prim::pow, {V(c), C(slope::full({2, 3}, 0.5f))});
  int e = emit(p, Prim::call, {V(d)}, slope::CallParams{body});
  int s = emit(p, Prim::sum, {V(e)}, slope::AxesParams{{0, 1}});
  int sc = emit(p, Prim::mul, {V(s), C(two)});
  int sc2 = emit(p, Prim::add, {V(sc), C(two)});  // the same constant again: one node
  p.outputs = {V(sc2), V(b), Atom{-1, Tensor()}};

  std::string dot = slope::to_dot(p, "my \"f\"\\");
  EXPECT_EQ(dot.rfind("digraph \"my \\\"f\\\"\\\\\" {", 0), 0u) << dot;
  EXPECT_NE(dot.find("x0 [shape=ellipse, label=\"x0\\n[2, 3] f32\"]"), std::string::npos) << dot;
  EXPECT_NE(dot.find("x1 [shape=ellipse, label=\"x1\\n[1, 3] f32\"]"), std::string::npos) << dot;
  EXPECT_NE(dot.find("i0 [shape=box, label=\"expand\\nshape=[2, 3]\\n-> [2, 3] f32\"]"), std::string::npos) << dot;
  EXPECT_NE(dot.find("i5 [shape=box, label=\"sum\\naxes=[0, 1]\\n-> [] f32\"]"), std::string::npos) << dot;
  EXPECT_NE(dot.find("label=\"call\\nbody=double"), std::string::npos) << dot;
  EXPECT_NE(dot.find("x1 -> i0;"), std::string::npos) << dot;
  EXPECT_NE(dot.find("x0 -> i1;"), std::string::npos) << dot;
  EXPECT_NE(dot.find("i0 -> i1;"), std::string::npos) << dot;
  EXPECT_NE(dot.find("i7 -> outputs [label=\"0\"]"), std::string::npos) << dot;
  EXPECT_NE(dot.find("i1 -> outputs [label=\"1\"]"), std::string::npos) << dot;
  // constants: shape and dtype, the value of one-element ones, one node per tensor
  EXPECT_NE(dot.find("label=\"[2, 3] f32\"]"), std::string::npos) << dot;
  EXPECT_NE(dot.find("label=\"[] f32\\n2\"]"), std::string::npos) << dot;
  EXPECT_NE(dot.find("label=\"zero\"]"), std::string::npos) << dot;
  size_t notes = 0;
  for (size_t pos = 0; (pos = dot.find("shape=note", pos)) != std::string::npos; ++pos) ++notes;
  EXPECT_EQ(notes, 4u) << dot;  // 2.0 full, 0.5 full, the scalar 2 (used twice), the zero
  EXPECT_EQ(dot.find("cluster"), std::string::npos);
  expect_valid_dot(dot);

  std::vector<int> groups = {0, 0, 0, 1, -1, 1, 2, 2};
  std::string g = slope::to_dot(p, "f", &groups);
  EXPECT_NE(g.find("subgraph cluster_0 {"), std::string::npos) << g;
  EXPECT_NE(g.find("subgraph cluster_1 {"), std::string::npos) << g;
  EXPECT_NE(g.find("subgraph cluster_2 {"), std::string::npos) << g;
  // i0..i2 are declared inside cluster 0, i4 outside every cluster
  size_t c0 = g.find("subgraph cluster_0 {"), c1 = g.find("subgraph cluster_1 {");
  for (const char* node : {"    i0 [", "    i1 [", "    i2 ["}) {
    size_t at = g.find(node);
    EXPECT_TRUE(at > c0 && at < c1) << node << "\n" << g;
  }
  EXPECT_NE(g.find("\n  i4 [shape=box"), std::string::npos) << g;
  expect_valid_dot(g);

  std::vector<int> wrong = {0, 1};
  EXPECT_ERROR_WITH(slope::to_dot(p, "f", &wrong), "[to_dot]", "groups has 2 entries for 8 instructions");
}

TEST(Passes, DotOfLinearizedProgram) {
  auto f = [](const std::vector<Tensor>& in) {
    return std::vector<Tensor>{(slope::tanh(in[0]) * in[0]).sum(), in[0].cast(slope::f64)};
  };
  slope::detail::Linearized lin = slope::detail::linearize_flat(f, {slope::randn({3})});
  std::string dot = slope::to_dot(*lin.linear, "lin");
  EXPECT_NE(dot.find("x0 [shape=ellipse"), std::string::npos) << dot;
  EXPECT_NE(dot.find("-> outputs"), std::string::npos) << dot;
  expect_valid_dot(dot);
}

TEST(Passes, MalformedProgramsGiveErrorsNotCrashes) {
  // The passes assume a typechecked program, but a bad var id must still be an error, not an
  // out-of-bounds access.
  Program p;
  int x = input(p, f23);
  int y = emit(p, Prim::exp, {V(x)});
  p.outputs = {V(y)};
  Program bad_operand = p;
  bad_operand.instructions[0].inputs[0] = V(17);
  Program bad_output = p;
  bad_output.outputs[0] = V(-1 + 100);
  Program bad_input = p;
  bad_input.inputs[0] = 5;
  for (const Program* q : {&bad_operand, &bad_output, &bad_input}) {
    EXPECT_ERROR_WITH(slope::eliminate_dead_code(*q), "[eliminate_dead_code]", "out of range");
    EXPECT_ERROR_WITH(slope::eliminate_common_subexpressions(*q), "[eliminate_common_subexpressions]", "out of range");
    EXPECT_ERROR_WITH(slope::fold_constants(*q), "[fold_constants]", "out of range");
    EXPECT_ERROR_WITH(slope::to_dot(*q), "[to_dot]", "out of range");
  }
  // A use before definition is drawn (as a red placeholder), so a broken program can be looked at.
  Program early = p;
  int z = early.new_var(f23);
  early.instructions.insert(early.instructions.begin(), Instruction{Prim::neg, slope::NoParams{}, {V(y)}, {z}});
  early.outputs.push_back(V(z));
  std::string dot = slope::to_dot(early);
  EXPECT_NE(dot.find("undef1 [shape=plaintext"), std::string::npos) << dot;
  EXPECT_NE(dot.find("undef1 -> i0;"), std::string::npos) << dot;
  expect_valid_dot(dot);
}

// ---------------- scale ----------------

// 5 instructions a block: two identical adds (CSE), a dead negation (DCE), a constant instruction
// every 100 blocks (folding), and a bounded recurrence so values stay finite.
Program block_chain(int blocks) {
  Program p;
  int x = input(p, AVal{Shape{4}, slope::f32});
  int prev = x;
  Tensor k = slope::tensor({0.25f, 0.5f, 0.75f, 1.0f});
  for (int i = 0; i < blocks; ++i) {
    int a = emit(p, Prim::add, {V(prev), V(x)});
    int b = emit(p, Prim::add, {V(prev), V(x)});
    emit(p, Prim::neg, {V(a)});
    int m = i % 100 == 0 ? emit(p, Prim::mul, {V(a), C(k)}) : emit(p, Prim::mul, {V(a), V(b)});
    if (i % 100 == 0) {
      // every 100th block: its last instruction is a constant sin(k) feeding nothing (folded and dead)
      emit(p, Prim::sin, {C(k)});
      prev = m;
      continue;
    }
    prev = emit(p, Prim::sin, {V(m)});
  }
  p.outputs = {V(prev)};
  return p;
}

// CPU time of this thread (not wall time, so other processes on the machine do not count), in ms,
// of every pass over p: the best of three runs.
double passes_cpu_ms(const Program& p) {
  auto now = [] {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return 1e3 * static_cast<double>(ts.tv_sec) + 1e-6 * static_cast<double>(ts.tv_nsec);
  };
  double best = 1e300;
  for (int run = 0; run < 3; ++run) {
    double t0 = now();
    slope::typecheck(p);
    Program d = slope::eliminate_dead_code(p);
    Program c = slope::eliminate_common_subexpressions(p);
    Program f = slope::fold_constants(p);
    std::string dot = slope::to_dot(p);
    best = std::min(best, now() - t0);
  }
  return best;
}

TEST(Passes, HundredThousandInstructions) {
  constexpr int kBlocks = 20000;
  Program p = block_chain(kBlocks);
  ASSERT_EQ(p.instructions.size(), static_cast<size_t>(5 * kBlocks));
  Program d = slope::eliminate_dead_code(p);
  Program c = slope::eliminate_common_subexpressions(p);
  Program f = slope::fold_constants(p);
  EXPECT_EQ(d.instructions.size(), static_cast<size_t>(4 * kBlocks - kBlocks / 100 * 2));  // no neg, no dead sin/add
  // one add per block, and the identical sin(k)s of all special blocks are one
  EXPECT_EQ(c.instructions.size(), static_cast<size_t>(4 * kBlocks - (kBlocks / 100 - 1)));
  EXPECT_EQ(f.instructions.size(), static_cast<size_t>(5 * kBlocks - kBlocks / 100));       // the sin(k)s
  ASSERT_NO_THROW(slope::typecheck(d));
  ASSERT_NO_THROW(slope::typecheck(c));
  ASSERT_NO_THROW(slope::typecheck(f));
  Program all = slope::eliminate_dead_code(slope::eliminate_common_subexpressions(slope::fold_constants(p)));
  EXPECT_EQ(all.instructions.size(), static_cast<size_t>(3 * kBlocks - kBlocks / 100));
  // one evaluation of the original and of the optimised program
  expect_equivalent(p, all, 1);
}

TEST(Passes, TimeGrowsLinearlyWithProgramSize) {
  // A complexity check, not a time limit: 4x the instructions may cost about 4x (allow 8x for
  // allocator and cache effects), never the 16x of a quadratic pass. Ratios of CPU time hold on
  // any host speed, optimised or sanitized.
  double small = passes_cpu_ms(block_chain(5000)), large = passes_cpu_ms(block_chain(20000));
  std::printf("every pass: 25,000 instructions %.1f ms, 100,000 instructions %.1f ms (x%.1f)\n", small, large,
              large / small);
  EXPECT_LT(large / small, 8.0) << small << " ms vs " << large << " ms";
}

}  // namespace

TEST(Passes, FusionGroupsFollowTheCodeGenerator) {
  // tanh(x*2+1)*x is one group and its sum joins it; the matmul stands alone; the exp of the
  // sum's result starts a new group with what follows.
  auto low = slope::jit([](const slope::Tensor& x, const slope::Tensor& w) {
               slope::Tensor y = (x * 2 + 1).tanh() * x;
               slope::Tensor s = y.sum(1);
               slope::Tensor m = y.matmul(w);
               return std::make_tuple((s.exp() + 1) * 3, m);
             }).lower(slope::ones({4, 5}), slope::ones({5, 2}));
  slope::Program p = low.program();
  std::vector<int> g = slope::fusion_groups(p);
  ASSERT_EQ(g.size(), p.instructions.size());
  int tanh_g = -2, sum_g = -2, exp_g = -2, mm_g = -2;
  for (size_t i = 0; i < g.size(); ++i) {
    slope::Prim q = p.instructions[i].prim;
    if (q == slope::Prim::tanh) tanh_g = g[i];
    if (q == slope::Prim::sum) sum_g = g[i];
    if (q == slope::Prim::exp) exp_g = g[i];
    if (q == slope::Prim::matmul) mm_g = g[i];
  }
  EXPECT_GE(tanh_g, 0);
  EXPECT_EQ(sum_g, tanh_g);
  EXPECT_GE(exp_g, 0);
  EXPECT_NE(exp_g, tanh_g);
  EXPECT_EQ(mm_g, -1);
  std::string dot = low.dot();
  EXPECT_NE(dot.find("subgraph cluster_" + std::to_string(tanh_g)), std::string::npos) << dot;
  EXPECT_NE(dot.find("subgraph cluster_" + std::to_string(exp_g)), std::string::npos) << dot;
}
