// custom_jvp, custom_vjp and checkpoint as bodies of the `call` primitive.
#include "slope/custom.h"

#include "slope/call.h"
#include "slope/interpreter.h"
#include "slope/primitive_ops.h"
#include "slope/transforms.h"

namespace slope {

void CallBody::jvp(std::span<const Tensor>, std::span<const Tensor>, std::span<Tensor>, std::span<Tensor>) const {
  fail("call", "body ", name(), " has no jvp rule");
}
std::vector<Tensor> CallBody::transpose(std::span<const Tensor>, std::span<const Tensor>) const {
  fail("call", "body ", name(), " is not linear");
}
void CallBody::vmap(std::span<const Tensor>, std::span<const int64_t>, int64_t, std::span<Tensor>, std::span<int64_t>) const {
  fail("call", "body ", name(), " has no vmap rule");
}

std::vector<Tensor> call(std::shared_ptr<const CallBody> body, std::span<const Tensor> in) {
  std::vector<Tensor> out(body->num_outputs());
  bind(Prim::call, in, CallParams{std::move(body)}, out);
  return out;
}

namespace {
std::vector<AVal> avals_of(const Tensors& ts) {
  std::vector<AVal> r;
  for (auto& t : ts) r.push_back(t.aval());
  return r;
}

// The operands of a batched call with each batch axis moved to the front, and the in_dims that
// map over them (std::nullopt for unbatched operands). The bodies' vmap rules build a new body of
// the same kind over these whole-batch values, so an enclosing transformation still finds the
// custom rule instead of tracing through f.
struct FrontBatched {
  Tensors x;
  std::vector<std::optional<int64_t>> dims;
};
FrontBatched batch_front(std::span<const Tensor> x, std::span<const int64_t> bdims) {
  FrontBatched r;
  for (size_t i = 0; i < x.size(); ++i) {
    int64_t bd = bdims[i];
    if (bd < 0) {
      r.x.push_back(x[i]);
      r.dims.push_back(std::nullopt);
      continue;
    }
    Axes perm{bd};
    for (int64_t k = 0; k < x[i].ndim(); ++k)
      if (k != bd) perm.push_back(k);
    r.x.push_back(bd == 0 ? x[i] : prims::permute(x[i], perm));
    r.dims.push_back(0);
  }
  return r;
}

// vmap_flat of f over `args` mapped at `dims`, every output batched at axis 0.
Tensors vmap_front(const TensorsFn& f, const Tensors& args, const std::vector<std::optional<int64_t>>& dims) {
  return detail::vmap_flat(f, args, dims, {0});
}

void set_outputs(const Tensors& r, std::span<Tensor> out, std::span<int64_t> out_bdims) {
  for (size_t i = 0; i < r.size() && i < out.size(); ++i) {
    out[i] = r[i];
    out_bdims[i] = 0;
  }
}

// The per-example output types with the batch axis in front.
std::vector<AVal> batched_avals(const std::vector<AVal>& out, int64_t size) {
  std::vector<AVal> r = out;
  for (auto& a : r) a.shape.insert(a.shape.begin(), size);
  return r;
}

// No transformation is active and the operands are plain values: nothing can see the call, so
// the function simply runs (once; finding the output types would run it twice).
bool eager(const Tensors& in) {
  if (&current_interpreter() != &eval_interpreter()) return false;
  for (auto& t : in)
    if (t.defined() && !t.is_concrete()) return false;
  return true;
}

Tensors apply_custom_jvp_known(const TensorsFn& f, const JvpRuleFn& rule, const std::string& name,
                               std::vector<AVal> out, const Tensors& in);
Tensors apply_custom_vjp_known(const TensorsFn& f, const FwdFn& fwd, const BwdFn& bwd, const std::string& name,
                               std::vector<AVal> out, const Tensors& in);
Tensors apply_checkpoint_known(const TensorsFn& f, const std::string& name, std::vector<AVal> out, const Tensors& in);

// A body whose output types are found by running f once on the first call's inputs. Types of
// later calls must match (a new shape means a new body: the user-facing functions make one per call).
class FunctionBody : public CallBody {
 public:
  FunctionBody(std::string name, TensorsFn f, std::vector<AVal> out_avals)
      : name_(std::move(name)), f_(std::move(f)), out_(std::move(out_avals)) {}
  std::string name() const override { return name_; }
  size_t num_outputs() const override { return out_.size(); }
  std::vector<AVal> infer(std::span<const AVal>) const override { return out_; }
  std::vector<Tensor> eval(std::span<const Tensor> in) const override {
    Tensors r = f_(Tensors(in.begin(), in.end()));
    check(r.size() == out_.size(), name_.c_str(), "function returned ", r.size(), " outputs, expected ", out_.size());
    return r;
  }

 protected:
  std::string name_;
  TensorsFn f_;
  std::vector<AVal> out_;
};

// The tangent half of a custom_vjp: linear in the tangents, transposed by the user's bwd.
class CustomVjpLinear final : public CallBody {
 public:
  CustomVjpLinear(std::string name, BwdFn bwd, Tensors residuals, std::vector<AVal> in, std::vector<AVal> out)
      : name_(std::move(name)), bwd_(std::move(bwd)), res_(std::move(residuals)), in_(std::move(in)), out_(std::move(out)) {}
  std::string name() const override { return name_ + "_lin"; }
  size_t num_outputs() const override { return out_.size(); }
  std::vector<AVal> infer(std::span<const AVal>) const override { return out_; }
  std::vector<Tensor> eval(std::span<const Tensor>) const override {
    fail(name_.c_str(), "forward-mode differentiation (jvp) of a custom_vjp function is not supported; "
         "use custom_jvp, or reverse mode (grad/vjp)");
  }
  bool linear() const override { return true; }
  std::vector<Tensor> transpose(std::span<const Tensor>, std::span<const Tensor> cts) const override {
    Tensors r = bwd_(res_, Tensors(cts.begin(), cts.end()));
    check(r.size() == in_.size(), name_.c_str(), "bwd returned ", r.size(), " cotangents for ", in_.size(), " inputs");
    for (size_t i = 0; i < r.size(); ++i)
      check(r[i].defined() && r[i].aval() == in_[i], name_.c_str(), "bwd cotangent ", i, " must be ", to_string(in_[i]),
            r[i].defined() ? ", got " + to_string(r[i].aval()) : ", got an empty handle");
    return r;
  }

 private:
  std::string name_;
  BwdFn bwd_;
  Tensors res_;
  std::vector<AVal> in_, out_;
};

class CustomVjpBody final : public FunctionBody {
 public:
  CustomVjpBody(std::string name, TensorsFn f, FwdFn fwd, BwdFn bwd, std::vector<AVal> out)
      : FunctionBody(std::move(name), std::move(f), std::move(out)), fwd_(std::move(fwd)), bwd_(std::move(bwd)) {}
  bool has_jvp() const override { return true; }
  void jvp(std::span<const Tensor> x, std::span<const Tensor> t, std::span<Tensor> y, std::span<Tensor> ty) const override {
    auto [outs, res] = fwd_(Tensors(x.begin(), x.end()));
    check(outs.size() == y.size(), name_.c_str(), "fwd returned ", outs.size(), " outputs, expected ", y.size());
    for (size_t i = 0; i < outs.size(); ++i) y[i] = outs[i];
    Tensors ts;
    for (size_t i = 0; i < t.size(); ++i) ts.push_back(t[i].defined() ? t[i] : prims::zeros_as(x[i]));
    auto lin = std::make_shared<CustomVjpLinear>(name_, bwd_, res, avals_of(Tensors(x.begin(), x.end())), out_);
    Tensors touts = call(lin, ts);
    for (size_t i = 0; i < touts.size(); ++i) ty[i] = touts[i];
  }
  // A custom_vjp of the whole batch: fwd and bwd mapped over it. Residuals come out batched at
  // axis 0; an unbatched operand's cotangent is the sum of its per-example cotangents.
  bool has_vmap() const override { return true; }
  void vmap(std::span<const Tensor> x, std::span<const int64_t> bdims, int64_t size, std::span<Tensor> out,
            std::span<int64_t> out_bdims) const override {
    FrontBatched b = batch_front(x, bdims);
    size_t n = out_.size();
    std::string name = name_;
    FwdFn fwd = fwd_;
    BwdFn bwd = bwd_;
    auto dims = b.dims;
    TensorsFn fb = [f = f_, dims](const Tensors& a) { return vmap_front(f, a, dims); };
    FwdFn fwdb = [fwd, dims, n, name](const Tensors& a) {
      TensorsFn both = [fwd, n, name](const Tensors& xs) {
        auto [outs, res] = fwd(xs);
        check(outs.size() == n, name.c_str(), "fwd returned ", outs.size(), " outputs, expected ", n);
        for (size_t i = 0; i < res.size(); ++i)
          check(res[i].defined(), name.c_str(), "fwd returned an empty handle as residual ", i);
        outs.insert(outs.end(), res.begin(), res.end());
        return outs;
      };
      Tensors r = vmap_front(both, a, dims);
      return std::make_pair(Tensors(r.begin(), r.begin() + static_cast<long>(n)),
                            Tensors(r.begin() + static_cast<long>(n), r.end()));
    };
    BwdFn bwdb = [bwd, dims, name](const Tensors& res, const Tensors& cts) {
      size_t nres = res.size();
      TensorsFn per_example = [bwd, nres, name](const Tensors& a) {
        Tensors g = bwd(Tensors(a.begin(), a.begin() + static_cast<long>(nres)), Tensors(a.begin() + static_cast<long>(nres), a.end()));
        for (size_t i = 0; i < g.size(); ++i)
          check(g[i].defined(), name.c_str(), "bwd returned an empty handle as cotangent ", i);
        return g;
      };
      Tensors args = res;
      args.insert(args.end(), cts.begin(), cts.end());
      Tensors g = vmap_front(per_example, args, std::vector<std::optional<int64_t>>(args.size(), 0));
      check(g.size() == dims.size(), name.c_str(), "bwd returned ", g.size(), " cotangents for ", dims.size(), " inputs");
      for (size_t i = 0; i < g.size(); ++i)
        if (!dims[i]) g[i] = prims::sum(g[i], {0});
      return g;
    };
    set_outputs(apply_custom_vjp_known(fb, fwdb, bwdb, name_, batched_avals(out_, size), b.x), out, out_bdims);
  }

 private:
  FwdFn fwd_;
  BwdFn bwd_;
};

class CustomJvpBody final : public FunctionBody {
 public:
  CustomJvpBody(std::string name, TensorsFn f, JvpRuleFn rule, std::vector<AVal> out)
      : FunctionBody(std::move(name), std::move(f), std::move(out)), rule_(std::move(rule)) {}
  bool has_jvp() const override { return true; }
  void jvp(std::span<const Tensor> x, std::span<const Tensor> t, std::span<Tensor> y, std::span<Tensor> ty) const override {
    Tensors ts;
    for (size_t i = 0; i < t.size(); ++i) ts.push_back(t[i].defined() ? t[i] : prims::zeros_as(x[i]));
    auto [outs, touts] = rule_(Tensors(x.begin(), x.end()), ts);
    check(outs.size() == y.size() && touts.size() == y.size(), name_.c_str(), "the jvp rule must return ", y.size(),
          " outputs and ", y.size(), " tangents");
    for (size_t i = 0; i < outs.size(); ++i) {
      check(outs[i].aval() == out_[i] && touts[i].aval() == out_[i], name_.c_str(), "the jvp rule's output ", i,
            " and its tangent must be ", to_string(out_[i]));
      y[i] = outs[i];
      ty[i] = touts[i];
    }
  }
  // A custom_jvp of the whole batch: f and the rule mapped over it. A tangent has its primal's
  // shape, so it is mapped at the same axis.
  bool has_vmap() const override { return true; }
  void vmap(std::span<const Tensor> x, std::span<const int64_t> bdims, int64_t size, std::span<Tensor> out,
            std::span<int64_t> out_bdims) const override {
    FrontBatched b = batch_front(x, bdims);
    size_t n = out_.size();
    auto dims = b.dims;
    TensorsFn fb = [f = f_, dims](const Tensors& a) { return vmap_front(f, a, dims); };
    JvpRuleFn ruleb = [rule = rule_, dims, n, name = name_](const Tensors& p, const Tensors& t) {
      size_t np = p.size();
      TensorsFn both = [rule, np, n, name](const Tensors& a) {
        auto [outs, touts] = rule(Tensors(a.begin(), a.begin() + static_cast<long>(np)),
                                  Tensors(a.begin() + static_cast<long>(np), a.end()));
        check(outs.size() == n && touts.size() == n, name.c_str(), "the jvp rule must return ", n, " outputs and ", n,
              " tangents");
        outs.insert(outs.end(), touts.begin(), touts.end());
        for (size_t i = 0; i < outs.size(); ++i)
          check(outs[i].defined(), name.c_str(), "the jvp rule returned an empty handle as ", i < n ? "output " : "tangent ",
                i < n ? i : i - n);
        return outs;
      };
      Tensors args = p;
      args.insert(args.end(), t.begin(), t.end());
      auto all_dims = dims;
      all_dims.insert(all_dims.end(), dims.begin(), dims.end());
      Tensors r = vmap_front(both, args, all_dims);
      return std::make_pair(Tensors(r.begin(), r.begin() + static_cast<long>(n)),
                            Tensors(r.begin() + static_cast<long>(n), r.end()));
    };
    set_outputs(apply_custom_jvp_known(fb, ruleb, name_, batched_avals(out_, size), b.x), out, out_bdims);
  }

 private:
  JvpRuleFn rule_;
};

// checkpoint's tangent half: call(primals..., tangents...) recomputes f's linearisation when it
// is applied or transposed. The primals are operands, not captured values, so an enclosing
// transformation sees them (jvp of jvp through a checkpoint differentiates the recomputation).
class CheckpointLinear final : public CallBody {
 public:
  CheckpointLinear(std::string name, TensorsFn f, size_t n, std::vector<AVal> out)
      : name_(std::move(name)), f_(std::move(f)), n_(n), out_(std::move(out)) {}
  std::string name() const override { return name_ + "_lin"; }
  size_t num_outputs() const override { return out_.size(); }
  std::vector<AVal> infer(std::span<const AVal>) const override { return out_; }
  std::vector<Tensor> eval(std::span<const Tensor> in) const override {
    return detail::jvp_flat(f_, Tensors(in.begin(), in.begin() + n_), Tensors(in.begin() + n_, in.end())).second;
  }
  bool linear() const override { return true; }
  std::vector<Tensor> transpose(std::span<const Tensor> x, std::span<const Tensor> cts) const override {
    Tensors primals(x.begin(), x.begin() + n_);
    for (auto& p : primals) check(p.defined(), name_.c_str(), "cannot transpose with respect to the primal operands");
    Tensors g = detail::apply_transpose(detail::linearize_flat(f_, primals), Tensors(cts.begin(), cts.end()));
    Tensors r(n_);  // no cotangent for the primals
    r.insert(r.end(), g.begin(), g.end());
    return r;
  }

 private:
  std::string name_;
  TensorsFn f_;
  size_t n_;
  std::vector<AVal> out_;
};

class CheckpointBody final : public FunctionBody {
 public:
  using FunctionBody::FunctionBody;
  bool has_jvp() const override { return true; }
  void jvp(std::span<const Tensor> x, std::span<const Tensor> t, std::span<Tensor> y, std::span<Tensor> ty) const override {
    Tensors xs(x.begin(), x.end());
    Tensors outs = f_(xs);
    for (size_t i = 0; i < outs.size(); ++i) y[i] = outs[i];
    Tensors operands = xs;
    for (size_t i = 0; i < t.size(); ++i) operands.push_back(t[i].defined() ? t[i] : prims::zeros_as(x[i]));
    Tensors touts = call(std::make_shared<CheckpointLinear>(name_, f_, xs.size(), out_), operands);
    for (size_t i = 0; i < touts.size(); ++i) ty[i] = touts[i];
  }
  // A checkpoint of f mapped over the whole batch.
  bool has_vmap() const override { return true; }
  void vmap(std::span<const Tensor> x, std::span<const int64_t> bdims, int64_t size, std::span<Tensor> out,
            std::span<int64_t> out_bdims) const override {
    FrontBatched b = batch_front(x, bdims);
    TensorsFn fb = [f = f_, dims = b.dims](const Tensors& a) { return vmap_front(f, a, dims); };
    set_outputs(apply_checkpoint_known(fb, name_, batched_avals(out_, size), b.x), out, out_bdims);
  }
};

// Output types of f on these inputs, found by running f abstractly would need a staging pass;
// running it on the actual inputs is simpler and the result is discarded.
std::vector<AVal> output_avals(const TensorsFn& f, const Tensors& in) { return avals_of(f(in)); }

Tensors apply_custom_jvp_known(const TensorsFn& f, const JvpRuleFn& rule, const std::string& name,
                               std::vector<AVal> out, const Tensors& in) {
  if (eager(in)) return f(in);
  return call(std::make_shared<CustomJvpBody>(name, f, rule, std::move(out)), in);
}
Tensors apply_custom_vjp_known(const TensorsFn& f, const FwdFn& fwd, const BwdFn& bwd, const std::string& name,
                               std::vector<AVal> out, const Tensors& in) {
  if (eager(in)) return f(in);
  return call(std::make_shared<CustomVjpBody>(name, f, fwd, bwd, std::move(out)), in);
}
Tensors apply_checkpoint_known(const TensorsFn& f, const std::string& name, std::vector<AVal> out, const Tensors& in) {
  if (eager(in)) return f(in);
  return call(std::make_shared<CheckpointBody>(name, f, std::move(out)), in);
}
}  // namespace

namespace detail {
Tensors call_custom_jvp(const TensorsFn& f, const JvpRuleFn& rule, const std::string& name, std::vector<AVal> out,
                        const Tensors& in) {
  return apply_custom_jvp_known(f, rule, name, std::move(out), in);
}
}  // namespace detail

TensorsFn custom_jvp(TensorsFn f, JvpRuleFn rule, std::string name) {
  return [f, rule, name](const Tensors& in) {
    if (eager(in)) return f(in);
    return apply_custom_jvp_known(f, rule, name, output_avals(f, in), in);
  };
}

TensorsFn custom_vjp(TensorsFn f, FwdFn fwd, BwdFn bwd, std::string name) {
  return [f, fwd, bwd, name](const Tensors& in) {
    if (eager(in)) return f(in);
    return apply_custom_vjp_known(f, fwd, bwd, name, output_avals(f, in), in);
  };
}

TensorsFn checkpoint(TensorsFn f, std::string name) {
  return [f, name](const Tensors& in) {
    if (eager(in)) return f(in);
    return apply_checkpoint_known(f, name, output_avals(f, in), in);
  };
}

std::function<Tensor(const Tensor&)> custom_jvp(std::function<Tensor(const Tensor&)> f,
                                                std::function<std::pair<Tensor, Tensor>(const Tensor&, const Tensor&)> rule) {
  TensorsFn flat = custom_jvp([f](const Tensors& a) { return Tensors{f(a[0])}; },
                              [rule](const Tensors& x, const Tensors& t) {
                                auto [y, ty] = rule(x[0], t[0]);
                                return std::make_pair(Tensors{y}, Tensors{ty});
                              });
  return [flat](const Tensor& x) { return flat({x})[0]; };
}

std::function<Tensor(const Tensor&)> custom_vjp(std::function<Tensor(const Tensor&)> f,
                                                std::function<std::pair<Tensor, Tensors>(const Tensor&)> fwd,
                                                std::function<Tensor(const Tensors&, const Tensor&)> bwd) {
  TensorsFn flat = custom_vjp([f](const Tensors& a) { return Tensors{f(a[0])}; },
                              [fwd](const Tensors& x) {
                                auto [y, res] = fwd(x[0]);
                                return std::make_pair(Tensors{y}, res);
                              },
                              [bwd](const Tensors& res, const Tensors& ct) { return Tensors{bwd(res, ct[0])}; });
  return [flat](const Tensor& x) { return flat({x})[0]; };
}

std::function<Tensor(const Tensor&)> checkpoint(std::function<Tensor(const Tensor&)> f) {
  TensorsFn flat = checkpoint([f](const Tensors& a) { return Tensors{f(a[0])}; });
  return [flat](const Tensor& x) { return flat({x})[0]; };
}

}  // namespace slope
