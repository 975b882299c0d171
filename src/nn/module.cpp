// The non-template halves of module.h: loading by name, freezing, printing.
#include "slope/nn/module.h"

#include <charconv>
#include <limits>
#include <cstdio>
#include <cstdlib>
#include <set>

#include "slope/ops.h"
#include "nn/repr.h"

namespace slope::nn {

Filter submodules(std::vector<std::string> prefixes) {
  return [prefixes = std::move(prefixes)](const std::string& name) {
    for (const std::string& p : prefixes)
      if (name == p || (name.size() > p.size() && name.compare(0, p.size(), p) == 0 && name[p.size()] == '.'))
        return true;
    return false;
  };
}

namespace detail {

std::vector<Tensor> load_leaves(const std::vector<std::string>& names, const std::vector<Tensor>& leaves,
                                const NamedTensors& state, bool strict) {
  const char* op = "load_state_dict";
  std::map<std::string, const Tensor*> by_name;
  for (auto& [name, t] : state) {
    if (!by_name.emplace(name, &t).second) fail(op, "the state has two entries named '", name, "'");
    check(t.defined(), op, "the entry '", name, "' is an empty tensor handle");
  }
  std::vector<Tensor> out = leaves;
  std::vector<std::string> missing;
  std::set<std::string> used;
  for (size_t i = 0; i < names.size(); ++i) {
    auto it = by_name.find(names[i]);
    if (it == by_name.end()) {
      missing.push_back(names[i]);
      continue;
    }
    const Tensor& t = *it->second;
    check(t.shape() == leaves[i].shape(), op, "'", names[i], "' has shape ", to_string(t.shape()),
          " in the state but ", to_string(leaves[i].shape()), " in the model");
    out[i] = t.dtype() == leaves[i].dtype() ? t : t.cast(leaves[i].dtype());
    used.insert(names[i]);
  }
  if (strict) {
    std::string unexpected, absent;
    for (auto& [name, t] : by_name)
      if (!used.count(name)) unexpected += (unexpected.empty() ? "'" : ", '") + name + "'";
    for (auto& m : missing) absent += (absent.empty() ? "'" : ", '") + m + "'";
    if (!absent.empty() || !unexpected.empty())
      fail(op, "the state does not match the model: missing keys [", absent, "], unexpected keys [", unexpected, "]");
  }
  return out;
}

std::vector<Tensor> stop_gradient_leaves(const std::vector<std::string>& names, const std::vector<Tensor>& leaves,
                                         const Filter& selected) {
  std::vector<Tensor> out = leaves;
  for (size_t i = 0; i < out.size(); ++i)
    if (selected && selected(names[i])) out[i] = slope::stop_gradient(out[i]);
  return out;
}

std::string short_type_name(const char* qualified) {
  std::string s = qualified;
  // Strip namespaces outside template arguments: "slope::nn::Conv<2>" -> "Conv<2>".
  size_t cut = 0;
  int depth = 0;
  for (size_t i = 0; i + 1 < s.size(); ++i) {
    if (s[i] == '<') ++depth;
    else if (s[i] == '>') --depth;
    else if (depth == 0 && s[i] == ':' && s[i + 1] == ':') cut = i + 2;
  }
  return s.substr(cut);
}

std::string tensor_repr(const char* kind, const Tensor& t) {
  return std::string(kind) + "(" + to_string(t.shape()) + ", " + name(t.dtype()) + ")";
}

void open_block(std::string& out, const std::string& name) { out += name + "("; }

void add_child(std::string& out, const std::string& key, const std::string& child, int indent) {
  // Appended piecewise: g++ 12 warns falsely (-Wrestrict) on "literal" + std::string temporaries.
  out += '\n';
  out.append(static_cast<size_t>(indent) + 2, ' ');
  out += '(';
  out += key;
  out += "): ";
  out += child;
}

void close_block(std::string& out, bool any_child, int indent) {
  if (any_child) {
    out += '\n';
    out.append(static_cast<size_t>(indent), ' ');
  }
  out += ')';
}

namespace {
// 1234567 -> "1,234,567"
std::string grouped(int64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}
}  // namespace

std::string summary_line(const std::vector<Tensor>& leaves, const std::vector<bool>& buffers) {
  int64_t params = 0, buf = 0, np = 0, nb = 0;
  for (size_t i = 0; i < leaves.size(); ++i) {
    if (buffers[i]) buf += leaves[i].numel(), ++nb;
    else params += leaves[i].numel(), ++np;
  }
  std::string s = "parameters: " + grouped(params) + " in " + std::to_string(np) + (np == 1 ? " tensor" : " tensors");
  if (nb) s += "; buffers: " + grouped(buf) + " in " + std::to_string(nb) + (nb == 1 ? " tensor" : " tensors");
  return s;
}

std::string py_float(double v) {
  if (v != v) return "nan";
  if (v == std::numeric_limits<double>::infinity()) return "inf";
  if (v == -std::numeric_limits<double>::infinity()) return "-inf";
  // The shortest round-trip digits, laid out by Python's repr rules: positional notation for
  // decimal exponents in [-4, 16), scientific with a two-digit exponent otherwise.
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string sci(buf, r.ptr);
  size_t e = sci.find('e');
  std::string mant = sci.substr(0, e);
  int exp = std::atoi(sci.c_str() + e + 1);
  bool neg = mant[0] == '-';
  if (neg) mant.erase(0, 1);
  std::string digits;
  for (char c : mant)
    if (c != '.') digits += c;
  std::string out;
  if (exp >= -4 && exp < 16) {
    if (exp < 0) {
      out = "0.";
      out.append(static_cast<size_t>(-exp - 1), '0');
      out += digits;
    } else {
      size_t point = static_cast<size_t>(exp) + 1;
      if (digits.size() <= point) out = digits + std::string(point - digits.size(), '0') + ".0";
      else out = digits.substr(0, point) + "." + digits.substr(point);
    }
  } else {
    out = digits.substr(0, 1);
    if (digits.size() > 1) {
      out += '.';
      out += digits.substr(1);
    }
    char ebuf[16];
    std::snprintf(ebuf, sizeof ebuf, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    out += ebuf;
  }
  if (neg) out.insert(out.begin(), '-');
  return out;
}

std::string py_tuple(const std::vector<int64_t>& v) {
  std::string s = "(";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + (v.size() == 1 ? ",)" : ")");
}

}  // namespace detail
}  // namespace slope::nn
