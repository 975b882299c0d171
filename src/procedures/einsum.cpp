// einsum (torch.einsum) as a few permutes, diagonals, sums and one product per pair of operands.
//
// Every dim gets a label: a letter, or one of the ellipsis dims (which broadcast against each
// other, right-aligned, like NumPy's). Each operand first loses its repeated labels (a diagonal:
// the two dims are merged and sliced with stride n + 1, which is linear, so gradients come back
// through a pad) and the labels no other operand nor the output uses (a sum). Operands are then
// contracted left to right, like torch without opt_einsum: labels both share and something later
// needs are batch dims, shared labels nothing later needs are contracted, the rest are free. A
// contraction is one batched matmul [batch, free_a, k] @ [batch, k, free_b]; with nothing to
// contract it is a broadcast multiply (an outer or elementwise product), and with no free dims a
// multiply and a sum: nothing is ever broadcast beyond the size of the result or an operand.
#include <algorithm>
#include <string>
#include <vector>

#include "slope/ops.h"
#include "slope/primitive_ops.h"

namespace slope {

namespace {

constexpr int kLetters = 52;  // labels 0-51: A-Z then a-z (the order implicit outputs follow)
// Label kLetters + k is the k-th ellipsis dim, counted from the left of the widest ellipsis.

struct Term {
  std::vector<int> letters;  // in order, with the ellipsis's position recorded separately
  bool ellipsis = false;
  size_t ellipsis_at = 0;    // number of letters before it
};

struct Equation {
  const std::string& text;
  std::vector<Term> inputs;
  Term output;
  bool explicit_output = false;
};

[[noreturn]] void bad(const std::string& eq, const std::string& why) {
  fail("einsum", why, " (equation '", eq, "')");
}

int label_of(char c) { return c >= 'A' && c <= 'Z' ? c - 'A' : 26 + (c - 'a'); }
std::string name_of(int label) {
  return label < kLetters ? std::string(1, label < 26 ? char('A' + label) : char('a' + label - 26)) : "...";
}

Equation parse(const std::string& eq) {
  Equation e{eq, {Term{}}, {}, false};
  Term* term = &e.inputs.back();
  for (size_t i = 0; i < eq.size(); ++i) {
    const char c = eq[i];
    if (c == ' ') continue;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      term->letters.push_back(label_of(c));
    } else if (c == '.') {
      if (eq.compare(i, 3, "...") != 0) bad(eq, "found a '.' that is not part of an ellipsis '...'");
      if (term->ellipsis) bad(eq, "a term has two ellipses");
      term->ellipsis = true;
      term->ellipsis_at = term->letters.size();
      i += 2;
    } else if (c == ',' && !e.explicit_output) {
      e.inputs.push_back(Term{});
      term = &e.inputs.back();
    } else if (c == '-' && i + 1 < eq.size() && eq[i + 1] == '>' && !e.explicit_output) {
      e.explicit_output = true;
      term = &e.output;
      ++i;
    } else {
      bad(eq, "invalid character '" + std::string(1, c) + "' at index " + std::to_string(i) +
                  " (subscripts are letters a-z, A-Z; terms are separated by ',' and '->' starts the output)");
    }
  }
  return e;
}

// One operand while it is being reduced: the tensor and the label of each of its dims.
struct Operand {
  Tensor t;
  std::vector<int> labels;
};

bool has(const std::vector<int>& v, int x) { return std::find(v.begin(), v.end(), x) != v.end(); }

// Sums over the dims whose label `drop` says to drop.
template <class Drop>
Operand sum_out(Operand o, Drop drop) {
  Axes axes;
  std::vector<int> kept;
  for (size_t d = 0; d < o.labels.size(); ++d) {
    if (drop(o.labels[d])) axes.push_back(static_cast<int64_t>(d));
    else kept.push_back(o.labels[d]);
  }
  if (axes.empty()) return o;
  return {prims::sum(o.t, axes), kept};
}

// The diagonal over the first repeated label, until none is left.
Operand diagonals(Operand o) {
  for (;;) {
    size_t p1 = 0, p2 = 0;
    for (size_t a = 0; a < o.labels.size() && !p2; ++a)
      for (size_t b = a + 1; b < o.labels.size(); ++b)
        if (o.labels[a] == o.labels[b]) {
          p1 = a;
          p2 = b;
          break;
        }
    if (!p2) return o;
    const int64_t n = o.t.shape()[p1];  // == shape()[p2] (check_sizes)
    Axes perm;  // p2 right after p1
    for (size_t d = 0; d < o.labels.size(); ++d)
      if (d != p2) {
        perm.push_back(static_cast<int64_t>(d));
        if (d == p1) perm.push_back(static_cast<int64_t>(p2));
      }
    Tensor t = prims::permute(o.t, perm);
    Shape merged;
    for (size_t d = 0; d < perm.size(); ++d) {
      if (d == p1 + 1) continue;
      merged.push_back(d == p1 ? n * n : t.shape()[d]);
    }
    t = prims::reshape(t, merged);
    Shape start(merged.size(), 0), stop = merged, step(merged.size(), 1);
    step[p1] = n + 1;
    o.t = prims::slice(t, start, stop, step);
    o.labels.erase(o.labels.begin() + static_cast<std::ptrdiff_t>(p2));
  }
}

// Sizes of the dims of `o` labelled `ls`, in that order.
Shape sizes_of(const Operand& o, const std::vector<int>& ls) {
  Shape s;
  for (int l : ls) s.push_back(o.t.shape()[std::find(o.labels.begin(), o.labels.end(), l) - o.labels.begin()]);
  return s;
}

// o's dims reordered as `order` (all of its labels), then reshaped to `shape`.
Tensor arrange(const Operand& o, const std::vector<int>& order, const Shape& shape) {
  Axes perm;
  for (int l : order) perm.push_back(std::find(o.labels.begin(), o.labels.end(), l) - o.labels.begin());
  Tensor t = o.t;
  bool identity = true;
  for (size_t i = 0; i < perm.size(); ++i) identity = identity && perm[i] == static_cast<int64_t>(i);
  if (!identity) t = prims::permute(t, perm);
  return t.shape() == shape ? t : prims::reshape(t, shape);
}

int64_t product(const Shape& s) {
  int64_t p = 1;
  for (int64_t v : s) p *= v;
  return p;
}

// Size-1 dims broadcast: a shared label of size 1 on one side is expanded (batch) or summed away
// on the other side (contracted: sum_j a[0] b[j] = a[0] sum_j b[j]).
void match_sizes(Operand& a, Operand& b, const std::vector<int>& batch, const std::vector<int>& contracted) {
  for (int l : batch) {
    const int64_t sa = sizes_of(a, {l})[0], sb = sizes_of(b, {l})[0];
    if (sa == sb) continue;
    Operand& small = sa == 1 ? a : b;
    Shape s = small.t.shape();
    s[std::find(small.labels.begin(), small.labels.end(), l) - small.labels.begin()] = std::max(sa, sb);
    small.t = prims::expand(small.t, s);
  }
  for (int l : contracted) {
    const int64_t sa = sizes_of(a, {l})[0], sb = sizes_of(b, {l})[0];
    if (sa == sb) continue;
    Operand& big = sa == 1 ? b : a;
    const auto d = std::find(big.labels.begin(), big.labels.end(), l) - big.labels.begin();
    Shape s = big.t.shape();
    s[d] = 1;
    big.t = prims::reshape(prims::sum(big.t, {d}), s);
  }
}

// a * b over their shared labels: those in `keep` stay (batch), the others are summed (contracted).
Operand contract(Operand a, Operand b, const std::vector<int>& keep) {
  auto needed = [&](const Operand& other) {
    return [&](int l) { return !has(keep, l) && !has(other.labels, l); };
  };
  a = sum_out(a, needed(b));
  b = sum_out(b, needed(a));
  std::vector<int> batch, contracted, free_a, free_b;
  for (int l : a.labels) (has(b.labels, l) ? (has(keep, l) ? batch : contracted) : free_a).push_back(l);
  for (int l : b.labels)
    if (!has(a.labels, l)) free_b.push_back(l);
  match_sizes(a, b, batch, contracted);
  const Shape sb = sizes_of(a, batch), sfa = sizes_of(a, free_a), sfb = sizes_of(b, free_b), sk = sizes_of(a, contracted);
  const int64_t nb = product(sb), m = product(sfa), n = product(sfb), k = product(sk);
  std::vector<int> labels = batch;
  labels.insert(labels.end(), free_a.begin(), free_a.end());
  labels.insert(labels.end(), free_b.begin(), free_b.end());
  Shape out = sb;
  for (const Shape* s : {&sfa, &sfb})
    for (int64_t v : *s) out.push_back(v);
  auto joined = [](std::vector<int> x, const std::vector<int>& y) {
    x.insert(x.end(), y.begin(), y.end());
    return x;
  };
  Tensor r;
  if (contracted.empty()) {  // an outer (or elementwise) product: [batch, free_a, 1] * [batch, 1, free_b]
    const Shape full{nb, m, n};
    Tensor ta = arrange(a, joined(batch, free_a), {nb, m, 1}), tb = arrange(b, joined(batch, free_b), {nb, 1, n});
    r = prims::mul(prims::expand(ta, full), prims::expand(tb, full));
  } else if (free_a.empty() && free_b.empty()) {  // dot products: a matmul of 1x1 results would be slower
    const Shape full{nb, k};
    r = prims::sum(prims::mul(arrange(a, joined(batch, contracted), full), arrange(b, joined(batch, contracted), full)), {1});
  } else {
    Tensor ta = arrange(a, joined(joined(batch, free_a), contracted), {nb, m, k});
    Tensor tb = arrange(b, joined(joined(batch, contracted), free_b), {nb, k, n});
    r = prims::matmul(ta, tb);
  }
  return {prims::reshape(r, out), labels};
}

// The labels of each operand's dims (letters and ellipsis dims), checked against its rank.
std::vector<std::vector<int>> dim_labels(const Equation& e, const std::vector<Tensor>& ops, int64_t& widest) {
  widest = 0;
  for (size_t i = 0; i < ops.size(); ++i) {
    const Term& t = e.inputs[i];
    const int64_t nl = static_cast<int64_t>(t.letters.size()), nd = ops[i].ndim();
    if (t.ellipsis ? nd < nl : nd != nl)
      bad(e.text, "operand " + std::to_string(i) + " " + to_string(ops[i].aval()) + " has " + std::to_string(nd) +
                      " dims but its term has " + std::to_string(nl) + " subscripts" +
                      (t.ellipsis ? " and an ellipsis" : " and no ellipsis"));
    widest = std::max(widest, nd - nl);
  }
  std::vector<std::vector<int>> out;
  for (size_t i = 0; i < ops.size(); ++i) {
    const Term& t = e.inputs[i];
    const int64_t ne = ops[i].ndim() - static_cast<int64_t>(t.letters.size());
    std::vector<int> ls(t.letters.begin(), t.letters.begin() + static_cast<std::ptrdiff_t>(t.ellipsis_at));
    for (int64_t k = 0; t.ellipsis && k < ne; ++k) ls.push_back(kLetters + static_cast<int>(widest - ne + k));
    ls.insert(ls.end(), t.letters.begin() + static_cast<std::ptrdiff_t>(t.ellipsis_at), t.letters.end());
    out.push_back(ls);
  }
  return out;
}

// A label repeated within one operand (a diagonal) must have one size there; across operands sizes
// must agree or be 1 (broadcast).
void check_sizes(const std::string& eq, const std::vector<Tensor>& ops, const std::vector<std::vector<int>>& labels,
                 int64_t widest) {
  std::vector<int64_t> size(static_cast<size_t>(kLetters + widest), -1);
  for (size_t i = 0; i < ops.size(); ++i) {
    std::vector<int64_t> mine(size.size(), -1);
    for (size_t d = 0; d < labels[i].size(); ++d) {
      const int l = labels[i][d];
      const int64_t s = ops[i].shape()[d];
      if (mine[l] != -1 && mine[l] != s)
        bad(eq, "subscript " + name_of(l) + " is repeated in operand " + std::to_string(i) + " " +
                    to_string(ops[i].aval()) + " but its sizes differ (" + std::to_string(mine[l]) + " and " +
                    std::to_string(s) + ")");
      mine[l] = s;
      if (size[l] == -1 || size[l] == 1) size[l] = s;
      else if (s != 1 && s != size[l])
        bad(eq, "subscript " + name_of(l) + " has size " + std::to_string(s) + " in operand " + std::to_string(i) +
                    " " + to_string(ops[i].aval()) + ", which does not broadcast with size " + std::to_string(size[l]));
    }
  }
}

std::vector<int> output_labels(const Equation& e, int64_t widest) {
  std::vector<int> count(kLetters, 0);
  for (size_t i = 0; i < e.inputs.size(); ++i)
    for (int l : e.inputs[i].letters) ++count[l];
  std::vector<int> out;
  auto ellipsis = [&] {
    for (int64_t k = 0; k < widest; ++k) out.push_back(kLetters + static_cast<int>(k));
  };
  if (!e.explicit_output) {  // torch's implicit output: the ellipsis dims, then letters used once, sorted
    ellipsis();
    for (int l = 0; l < kLetters; ++l)
      if (count[l] == 1) out.push_back(l);
    return out;
  }
  const Term& t = e.output;
  for (size_t j = 0; j <= t.letters.size(); ++j) {
    if (t.ellipsis && j == t.ellipsis_at) ellipsis();
    if (j == t.letters.size()) break;
    const int l = t.letters[j];
    if (!count[l]) bad(e.text, "output subscript " + name_of(l) + " does not appear in any input");
    if (has(out, l)) bad(e.text, "output subscript " + name_of(l) + " appears more than once");
    out.push_back(l);
  }
  return out;
}

}  // namespace

Tensor einsum(const std::string& equation, const std::vector<Tensor>& operands) {
  Equation e = parse(equation);
  if (e.inputs.size() != operands.size())
    bad(equation, "the equation has " + std::to_string(e.inputs.size()) + " input term(s) but " +
                      std::to_string(operands.size()) + " operand(s) were given");
  DType dt = operands[0].defined() ? operands[0].dtype() : f32;
  for (size_t i = 0; i < operands.size(); ++i) {
    check(operands[i].defined(), "einsum", "operand ", i, " is an empty Tensor handle");
    dt = promote_types(dt, operands[i].dtype());
  }
  check(dt != bool_, "einsum", "bool operands are not supported (cast them to a number type first), equation '",
        equation, "'");
  int64_t widest = 0;
  const auto labels = dim_labels(e, operands, widest);
  check_sizes(equation, operands, labels, widest);
  const std::vector<int> out = output_labels(e, widest);

  // Where each label is still needed: the output, or an operand after position i.
  auto needed_after = [&](size_t i) {
    std::vector<int> keep = out;
    for (size_t j = i + 1; j < labels.size(); ++j) keep.insert(keep.end(), labels[j].begin(), labels[j].end());
    return keep;
  };
  std::vector<Operand> ops;
  for (size_t i = 0; i < operands.size(); ++i) {
    Tensor t = operands[i].dtype() == dt ? operands[i] : cast(operands[i], dt);
    Operand o = diagonals({t, labels[i]});
    ops.push_back(sum_out(o, [&](int l) {  // labels used by this operand alone
      if (has(out, l)) return false;
      for (size_t j = 0; j < labels.size(); ++j)
        if (j != i && has(labels[j], l)) return false;
      return true;
    }));
  }
  Operand acc = ops[0];
  for (size_t i = 1; i < ops.size(); ++i) acc = contract(acc, ops[i], needed_after(i));
  acc = sum_out(acc, [&](int l) { return !has(out, l); });
  return arrange(acc, out, sizes_of(acc, out));
}

}  // namespace slope
