// Common-subexpression elimination: instructions with the same primitive, params and operands
// become one (staging records `x * 2` as often as the user wrote it). Instructions are hashed
// here, the only place that needs it; one forward sweep, so chains of duplicates collapse at once.
#include <cstring>
#include <unordered_map>

#include "checks.h"
#include "primitives/record.h"
#include "slope/call.h"

namespace slope {

namespace {

inline void mix(uint64_t& h, uint64_t v) {
  // boost::hash_combine's recipe widened to 64 bits
  h ^= v + 0x9e3779b97f4a7c15ULL + (h << 12) + (h >> 4);
}
void mix_bytes(uint64_t& h, const void* data, size_t n) {
  // FNV-1a over the bytes, then folded in
  uint64_t f = 0xcbf29ce484222325ULL;
  const auto* b = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < n; ++i) f = (f ^ b[i]) * 0x100000001b3ULL;
  mix(h, f);
}
void mix_shape(uint64_t& h, const Shape& s) {
  mix(h, s.size());
  for (int64_t d : s) mix(h, static_cast<uint64_t>(d));
}
// Consistent with Scalar's operator==: floats compare by bit pattern, ints and bools by value.
void mix_scalar(uint64_t& h, const Scalar& s) {
  mix(h, static_cast<uint64_t>(s.kind));
  if (s.kind == ScalarKind::Float) {
    uint64_t bits;
    std::memcpy(&bits, &s.f, sizeof bits);
    mix(h, bits);
  } else {
    mix(h, static_cast<uint64_t>(s.i));
  }
}

struct ParamsHasher {
  uint64_t& h;
  void operator()(const NoParams&) const {}
  void operator()(const CastParams& p) const { mix(h, static_cast<uint64_t>(p.dtype)); }
  void operator()(const AxesParams& p) const { mix_shape(h, p.axes); }
  void operator()(const ShapeParams& p) const { mix_shape(h, p.shape); }
  void operator()(const PadParams& p) const {
    mix_shape(h, p.lo);
    mix_shape(h, p.hi);
    mix_shape(h, p.interior);
    mix_scalar(h, p.value);
  }
  void operator()(const SliceParams& p) const {
    mix_shape(h, p.start);
    mix_shape(h, p.stop);
    mix_shape(h, p.step);
  }
  void operator()(const AxisParams& p) const { mix(h, static_cast<uint64_t>(p.axis)); }
  void operator()(const FullParams& p) const {
    mix_shape(h, p.shape);
    mix(h, static_cast<uint64_t>(p.dtype));
    mix_scalar(h, p.value);
  }
  void operator()(const ArangeParams& p) const {
    mix(h, static_cast<uint64_t>(p.n));
    mix_scalar(h, p.start);
    mix_scalar(h, p.step);
    mix(h, static_cast<uint64_t>(p.dtype));
  }
  void operator()(const ConvParams& p) const {
    mix_shape(h, p.stride);
    mix_shape(h, p.dilation);
    mix_shape(h, p.pad_lo);
    mix_shape(h, p.pad_hi);
    mix(h, static_cast<uint64_t>(p.groups));
  }
  void operator()(const CallParams& p) const { mix(h, reinterpret_cast<uintptr_t>(p.body.get())); }
  void operator()(const SortParams& p) const {
    mix(h, static_cast<uint64_t>(p.axis));
    mix(h, p.descending ? 1u : 0u);
  }
};

// Constants this small are compared by value (two literals `2.0` staged separately are one
// value); larger ones only by identity, so CSE never spends time comparing big buffers.
constexpr int64_t kCompareByValueMax = 16;

bool by_value(const Tensor& t) {
  return t.defined() && t.is_concrete() && numel_capped(t.shape(), kCompareByValueMax) <= kCompareByValueMax;
}

size_t const_nbytes(const Tensor& t) { return static_cast<size_t>(t.numel()) * itemsize(t.dtype()); }

void mix_atom(uint64_t& h, const Atom& a) {
  if (a.is_var()) {
    mix(h, 1);
    mix(h, static_cast<uint64_t>(a.var));
  } else if (by_value(a.value)) {
    mix(h, 2);
    mix(h, static_cast<uint64_t>(a.value.dtype()));
    mix_shape(h, a.value.shape());
    mix_bytes(h, a.value.data(), const_nbytes(a.value));
  } else {
    mix(h, 3);
    mix(h, reinterpret_cast<uintptr_t>(a.value.impl().get()));
  }
}

bool same_atom(const Atom& a, const Atom& b) {
  if (a.is_var() || b.is_var()) return a.var == b.var;
  if (a.value.impl() == b.value.impl()) return true;
  if (!by_value(a.value) || !by_value(b.value)) return false;
  if (!(a.value.aval() == b.value.aval())) return false;
  return std::memcmp(a.value.data(), b.value.data(), const_nbytes(a.value)) == 0;
}

}  // namespace

Program eliminate_common_subexpressions(const Program& p) {
  check_var_ids(p, "eliminate_common_subexpressions");
  Program q;
  q.name = p.name;
  q.vars = p.vars;
  q.inputs = p.inputs;
  // Each var's replacement (itself unless its instruction merged into an earlier one). Vars are
  // renamed before an instruction is hashed, so chains of duplicates collapse in one sweep.
  std::vector<int> rename(p.vars.size());
  for (size_t v = 0; v < rename.size(); ++v) rename[v] = static_cast<int>(v);
  auto rename_atom = [&](const Atom& a) { return a.is_var() ? Atom{rename[a.var], Tensor()} : a; };
  // hash -> the latest kept instruction with that hash; `chain` links to earlier ones with the
  // same hash (collisions are compared exactly). One map entry per distinct hash, no per-bucket vectors.
  constexpr size_t kNone = ~size_t{0};
  std::unordered_map<uint64_t, size_t> seen;
  seen.reserve(p.instructions.size());
  std::vector<size_t> chain;
  chain.reserve(p.instructions.size());
  q.instructions.reserve(p.instructions.size());

  for (const Instruction& ins : p.instructions) {
    Instruction cur{ins.prim, ins.params, {}, ins.outputs, ins.op};
    cur.inputs.reserve(ins.inputs.size());
    for (const Atom& a : ins.inputs) cur.inputs.push_back(rename_atom(a));
    // Calls are left alone: their bodies are opaque here (inline_calls exposes their contents).
    if (has_body(ins.prim)) {
      q.instructions.push_back(std::move(cur));
      chain.push_back(kNone);
      continue;
    }
    uint64_t h = static_cast<uint64_t>(ins.prim);
    mix(h, ins.params.index());
    std::visit(ParamsHasher{h}, ins.params);
    mix(h, cur.inputs.size());
    for (const Atom& a : cur.inputs) mix_atom(h, a);

    auto [slot, fresh] = seen.emplace(h, kNone);
    const Instruction* match = nullptr;
    for (size_t idx = fresh ? kNone : slot->second; idx != kNone; idx = chain[idx]) {
      const Instruction& o = q.instructions[idx];
      if (o.prim != cur.prim || !(o.params == cur.params) || o.inputs.size() != cur.inputs.size() ||
          o.outputs.size() != cur.outputs.size())
        continue;
      bool same = true;
      for (size_t j = 0; same && j < cur.inputs.size(); ++j) same = same_atom(o.inputs[j], cur.inputs[j]);
      // Equal operands imply equal output types in a well-typed program; checking keeps a
      // malformed one from being silently "repaired" into something else.
      for (size_t j = 0; same && j < cur.outputs.size(); ++j) same = p.vars[o.outputs[j]] == p.vars[cur.outputs[j]];
      if (same) {
        match = &o;
        break;
      }
    }
    if (match) {
      for (size_t j = 0; j < cur.outputs.size(); ++j) rename[cur.outputs[j]] = match->outputs[j];
      continue;
    }
    chain.push_back(slot->second);
    slot->second = q.instructions.size();
    q.instructions.push_back(std::move(cur));
  }
  for (const Atom& a : p.outputs) q.outputs.push_back(rename_atom(a));
  return q;
}

}  // namespace slope
