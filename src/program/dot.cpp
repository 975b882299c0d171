// to_dot: a Program as a Graphviz graph, to look at what jit compiles (Lowered::dot) and, given
// the cpu backend's fusion groups, which instructions become one loop.
#include <iomanip>
#include <map>
#include <sstream>
#include <unordered_map>

#include "checks.h"

namespace slope {

namespace {

// A DOT double-quoted string: quotes and backslashes escaped, newlines as DOT's centred line
// break "\n", other control characters dropped (they are not valid inside a DOT string).
std::string dot_quote(const std::string& s) {
  std::string r = "\"";
  for (char c : s) {
    if (c == '"') r += "\\\"";
    else if (c == '\\') r += "\\\\";
    else if (c == '\n') r += "\\n";
    else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) r += ' ';
    else r += c;
  }
  return r + "\"";
}

std::string const_label(const Tensor& t) {
  if (!t.defined()) return "zero";  // a symbolic zero output (linearize leaves those undefined)
  std::ostringstream os;
  os << to_string(t.aval());
  if (!t.is_concrete()) {
    os << "\n(traced)";
  } else if (numel_capped(t.shape(), 1) == 1) {
    os << "\n";
    if (t.dtype() == bool_) os << (t.item<bool>() ? "true" : "false");
    else if (is_floating(t.dtype())) os << std::setprecision(9) << t.item<double>();
    else os << t.item<int64_t>();  // every integer dtype (u32 included) fits int64
  }
  return os.str();
}

}  // namespace

std::string to_dot(const Program& p, const std::string& name, const std::vector<int>* groups) {
  check_var_ids(p, "to_dot");
  if (groups)
    REQUIRE(groups->size() == p.instructions.size(), "to_dot", "groups has ", groups->size(), " entries for ",
          p.instructions.size(), " instructions (one fusion-group id per instruction, -1 for none)");
  std::ostringstream os;
  os << "digraph " << dot_quote(name.empty() ? p.name : name) << " {\n";
  os << "  graph [fontname=\"monospace\"];\n";
  os << "  node [fontname=\"monospace\", fontsize=11];\n";
  os << "  edge [fontname=\"monospace\", fontsize=9];\n";

  // The node that produces each var: "x<i>" for inputs, "i<k>" for instructions.
  std::vector<std::string> producer(p.vars.size());
  std::vector<int> out_index(p.vars.size(), 0);   // which output of its instruction a var is
  std::vector<char> multi(p.vars.size(), 0);      // defined by a multi-output instruction
  for (size_t i = 0; i < p.inputs.size(); ++i) {
    int v = p.inputs[i];
    producer[v] = numbered("x", i);
    os << "  " << producer[v] << " [shape=ellipse, label=" << dot_quote(numbered("x", i) + "\n" + to_string(p.vars[v]))
       << "];\n";
  }

  // Constants: one node per distinct tensor, however often it is used.
  std::unordered_map<const TensorImpl*, std::string> const_node;
  std::ostringstream edges;
  auto source = [&](const Atom& a, std::string& label) -> std::string {
    label.clear();
    if (a.is_var()) {
      const std::string& s = producer[a.var];
      if (multi[a.var]) label = std::to_string(out_index[a.var]);
      // A use before any definition (malformed program): draw a placeholder node so the
      // output stays valid DOT and shows the problem.
      if (s.empty()) {
        std::string u = numbered("undef", a.var);
        os << "  " << u << " [shape=plaintext, fontcolor=red, label=" << dot_quote("undefined z" + std::to_string(a.var))
           << "];\n";
        producer[a.var] = u;  // declared once, reused by later uses
        return u;
      }
      return s;
    }
    auto [it, fresh] = const_node.emplace(a.value.impl().get(), "");
    if (fresh) {
      it->second = numbered("c", const_node.size() - 1);
      os << "  " << it->second << " [shape=note, fontsize=9, style=filled, fillcolor=\"#f3f3f3\", label="
         << dot_quote(const_label(a.value)) << "];\n";
    }
    return it->second;
  };

  // Nodes of each cluster are declared inside its subgraph; edges come after all nodes.
  std::map<int, std::vector<size_t>> clusters;
  auto instruction_node = [&](std::ostream& o, size_t k, const char* indent) {
    const Instruction& ins = p.instructions[k];
    std::string label = slope::name(ins.prim);
    std::string ps = params_str(ins.params);
    if (!ps.empty()) label += "\n" + ps;
    label += "\n-> ";
    for (size_t j = 0; j < ins.outputs.size(); ++j) label += (j ? ", " : "") + to_string(p.vars[ins.outputs[j]]);
    o << indent << "i" << k << " [shape=box, label=" << dot_quote(label) << "];\n";
  };
  for (size_t k = 0; k < p.instructions.size(); ++k) {
    int g = groups ? (*groups)[k] : -1;
    if (g >= 0) clusters[g].push_back(k);
    else instruction_node(os, k, "  ");
  }
  for (const auto& [g, members] : clusters) {
    os << "  subgraph cluster_" << g << " {\n";
    os << "    label=" << dot_quote("group " + std::to_string(g)) << ";\n    style=rounded;\n    color=blue;\n";
    for (size_t k : members) instruction_node(os, k, "    ");
    os << "  }\n";
  }

  std::string label;
  for (size_t k = 0; k < p.instructions.size(); ++k) {
    const Instruction& ins = p.instructions[k];
    for (const Atom& a : ins.inputs) {
      std::string src = source(a, label);
      edges << "  " << src << " -> i" << k;
      if (!label.empty()) edges << " [label=" << dot_quote(label) << "]";
      edges << ";\n";
    }
    std::string self = numbered("i", k);
    for (size_t j = 0; j < ins.outputs.size(); ++j) {
      int v = ins.outputs[j];
      producer[v] = self;
      out_index[v] = static_cast<int>(j);
      multi[v] = ins.outputs.size() > 1;
    }
  }

  std::string types;
  for (size_t i = 0; i < p.outputs.size(); ++i) {
    const Atom& a = p.outputs[i];
    if (i) types += '\n';
    types += std::to_string(i);
    types += ": ";
    types += a.is_var() ? to_string(p.vars[a.var]) : a.value.defined() ? to_string(a.value.aval()) : "zero";
  }
  os << "  outputs [shape=doubleoctagon, label=" << dot_quote("outputs" + std::string(types.empty() ? "" : "\n") + types)
     << "];\n";
  for (size_t i = 0; i < p.outputs.size(); ++i) {
    std::string src = source(p.outputs[i], label);
    edges << "  " << src << " -> outputs [label=" << dot_quote(label.empty() ? std::to_string(i) : label + " -> " + std::to_string(i))
          << "];\n";
  }
  os << edges.str() << "}\n";
  return os.str();
}

}  // namespace slope
