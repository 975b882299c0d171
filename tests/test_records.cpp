// The primitive records (src/primitives/record.h): every primitive has a complete record, and the
// traits the passes and the code generator ask about say what their hand-kept lists said before
// the records existed (fusion_groups' `fusable`, the cpu generator's `heavy` and `is_elementwise`,
// the rules' `is_linear`), so replacing those lists by the traits changes nothing.
#include <gtest/gtest.h>

#include <set>

#include "primitives/record.h"

namespace {
using slope::Prim;

std::set<Prim> all_where(bool (*pred)(const slope::PrimitiveRecord&)) {
  std::set<Prim> r;
  for (int k = 0; k < slope::kNumPrimitives; ++k)
    if (pred(slope::record(static_cast<Prim>(k)))) r.insert(static_cast<Prim>(k));
  return r;
}

TEST(PrimitiveRecords, EveryRecordIsCompleteAndNamedAfterItsPrimitive) {
  for (int k = 0; k < slope::kNumPrimitives; ++k) {
    auto p = static_cast<Prim>(k);
    const auto& r = slope::record(p);
    EXPECT_STREQ(r.name, slope::name(p));
    EXPECT_NE(r.infer, nullptr) << r.name;
    EXPECT_NE(r.jvp, nullptr) << r.name;
    EXPECT_NE(r.vmap, nullptr) << r.name;
  }
}

TEST(PrimitiveRecords, LinearPrimitivesAreThoseWithATransposeRule) {
  std::set<Prim> expected{Prim::neg,     Prim::add,    Prim::sub,   Prim::mul,     Prim::div,    Prim::cast,
                          Prim::where,   Prim::sum,    Prim::reshape, Prim::expand, Prim::permute, Prim::pad,
                          Prim::slice,   Prim::flip,   Prim::cat,   Prim::matmul,  Prim::conv,   Prim::gather,
                          Prim::scatter_add, Prim::call};
  std::set<Prim> got;
  for (int k = 0; k < slope::kNumPrimitives; ++k)
    if (slope::is_linear(static_cast<Prim>(k))) got.insert(static_cast<Prim>(k));
  EXPECT_EQ(got, expected);
}

TEST(PrimitiveRecords, TraitsMatchTheCodeGeneratorsLists) {
  std::set<Prim> heavy{Prim::exp, Prim::log, Prim::sin, Prim::cos, Prim::sqrt, Prim::tanh, Prim::erf, Prim::pow, Prim::atan2};
  EXPECT_EQ(all_where([](const slope::PrimitiveRecord& r) { return r.heavy; }), heavy);
  std::set<Prim> fusable, elementwise;
  for (int k = 0; k < slope::kNumPrimitives; ++k) {
    auto p = static_cast<Prim>(k);
    auto f = slope::family(p);
    bool ew = f == slope::Family::unary || f == slope::Family::binary || f == slope::Family::ternary;
    if (ew) elementwise.insert(p);
    if (ew || f == slope::Family::reduce || f == slope::Family::init || p == Prim::reshape || p == Prim::expand ||
        p == Prim::permute || p == Prim::slice || p == Prim::flip)
      fusable.insert(p);
  }
  EXPECT_EQ(all_where([](const slope::PrimitiveRecord& r) { return r.fusable; }), fusable);
  EXPECT_EQ(all_where([](const slope::PrimitiveRecord& r) { return r.elementwise; }), elementwise);
}

TEST(PrimitiveRecords, OnlyCallIsDefinedByABody) {
  EXPECT_EQ(all_where([](const slope::PrimitiveRecord& r) { return r.run_body != nullptr; }), std::set<Prim>{Prim::call});
  EXPECT_TRUE(slope::has_body(Prim::call));
  EXPECT_FALSE(slope::has_body(Prim::add));
}

TEST(PrimitiveRecords, DataChecksAreWhereEvalMadeThem) {
  EXPECT_EQ(all_where([](const slope::PrimitiveRecord& r) { return r.check_data != nullptr; }),
            (std::set<Prim>{Prim::div, Prim::gather, Prim::scatter_add}));
}

}  // namespace
