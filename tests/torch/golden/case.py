"""Recording one case: its inputs (drawn from its name's seed), torch's answer or torch's error, its
tolerance and its gradient (gradients.py)."""
import os
import traceback

import torch

from .gradients import GRAD_NONE, gradients
from .reference import TORCH, TorchRule
from .skips import drop
from .tensors import DT, NAME, Draws, S, enc, stable_seed
from .tolerances import EXACT, FWD_CONDITIONING, TOL, resolve_tol

_TORCH_DIR = os.path.dirname(torch.__file__)
_GENERATOR_DIR = os.path.dirname(os.path.abspath(__file__))  # this package: the generator's own files
_PY_SEQUENCE_ERROR = ("list index out of range", "tuple index out of range", "list assignment index out of range")


def torch_raised(e):
    """True when exception e is PyTorch refusing the input (a RuntimeError/ValueError/IndexError raised by
    torch's Python code, or by its C++ core, which leaves the calling line of a generator file (this package)
    as the traceback's last frame), False when the generator itself failed: a TypeError from a lambda called
    with the wrong arguments, a Python `raise` or list index in a generator file (other than TorchRule), a
    ZeroDivisionError of Python arithmetic there. A False answer fails the generator: such a case would test
    nothing."""
    if isinstance(e, TorchRule):
        return True
    if isinstance(e, TypeError) or not isinstance(e, (RuntimeError, ValueError, IndexError, ZeroDivisionError)):
        return False
    last = traceback.extract_tb(e.__traceback__)[-1]
    if last.filename.startswith(_TORCH_DIR):
        return True  # raised by torch's own Python code (torch.nn.functional and friends)
    if os.path.dirname(os.path.abspath(last.filename)) != _GENERATOR_DIR:
        return False  # numpy or the standard library: not torch's rule
    code = (last.line or "").lstrip()
    return not (code.startswith("raise") or isinstance(e, ZeroDivisionError) or str(e) in _PY_SEQUENCE_ERROR)


def draw(name, inputs):
    """The case's input tensors: the factory's, drawn from a generator seeded by the case name."""
    if not callable(inputs):
        return list(inputs)
    Draws.gen = torch.Generator().manual_seed(stable_seed(name))
    try:
        return list(inputs())
    finally:
        Draws.gen = None


# The op a user calls, for the table entries that name a variant of it (an error case expects slope's
# message to start with "[op]" naming it; default: the entry's own name).
USER_OP = {"min_dim": "min", "max_dim": "max", "sub_scalar": "sub", "topk_values": "topk", "sort_values": "sort",
           "where_method": "where", "squeeze_dim": "squeeze", "sdpa": "scaled_dot_product_attention",
           "reshape_ints": "reshape", "permute_ints": "permute", "expand_ints": "expand", "index_int": "index"}


def case(op, inputs, kw=None, fn=None, tag="", tol=None, why=None, out_dtype=None, check=None, accept_error=None,
         signed_zero=False, grad_tol=None, grad_fn=None, grad_wrt=None, no_grad=None, error_op=None):
    """Records one case. `inputs` is a factory, `lambda: [rnd(..), ..]`, called with the generator
    seeded from the case's name; a plain list is for inputs with no random draws (T(..), edge()).
    fn(*inputs, **kw) computes torch's answer (default: TORCH[op]). For the gradient: grad_tol loosens
    its comparison, grad_fn computes it through another torch function with slope's documented
    convention, grad_wrt restricts the differentiated inputs (say why), no_grad="reason" skips it. error_op
    names the op whose name an error must start with (default USER_OP.get(op, op))."""
    kw = kw or {}
    fn = fn or TORCH[op]
    base = f"{op}_{tag}" if tag else op
    name = "".join(c if c.isalnum() else "_" for c in base)
    # The name seeds the inputs: a duplicate would make them depend on the order of the cases.
    if name in S.names:
        raise ValueError(f"case name {name} is used twice: give one of them a distinct tag")
    S.names.add(name)
    inputs = draw(name, inputs)
    c = {"name": name, "op": op, "inputs": [S.tensor(t) for t in inputs], "kwargs": enc(kw)}
    if check:
        c["check"] = check
    if signed_zero:  # IEEE fixes the sign of zero results here (neg(0) = -0, floor(-0.5) = -0): compare it
        c["signed_zero"] = True
    if accept_error:  # torch answers, but slope may refuse (the reason says why); never a wrong value
        c["accept_error"] = accept_error
    try:
        out = fn(*[t.clone() for t in inputs], **kw)
    except (RuntimeError, IndexError, ValueError, TypeError, ZeroDivisionError) as e:
        msg = str(e).split("\n")[0][:200]
        halves = {t.dtype for t in inputs} & {torch.float16, torch.bfloat16}
        if "not implemented for" in msg and halves:
            # torch 1.13 lacks many Half/BFloat16 CPU kernels. slope computes half types in float and
            # rounds once (scalar.h), so torch in f32 rounded to the half type is the same reference.
            h = halves.pop()
            out = fn(*[t.float() if t.dtype == h else t.clone() for t in inputs], **kw)
            out = [o.to(h) if o.dtype == torch.float32 else o for o in (out if isinstance(out, (list, tuple)) else [out])]
            why = (why + "; " if why else "") + "torch 1.13 has no CPU half kernel: computed in f32, rounded"
        elif "not implemented for" in msg:
            # A gap in torch's kernels, not a semantic rule: nothing to compare against.
            drop(name, msg)  # fails unless EXPECTED_SKIPS lists the case with that kernel
            S.names.discard(name)
            return
        else:
            if not torch_raised(e):
                raise AssertionError(f"case {name}: the generator itself raised {type(e).__name__}: {msg} (only "
                                     "torch's own errors, or TorchRule, may define an error case)") from e
            c["error"] = True
            c["error_op"] = error_op or USER_OP.get(op, op)
            c["torch_error"] = msg
            S.cases.append(c)
            return
    outs = list(out) if isinstance(out, (list, tuple)) else [out]
    if out_dtype:  # a documented dtype deviation: same values, slope's dtype
        outs = [o.to(DT[out_dtype]) for o in outs]
    c["outputs"] = [S.tensor(o) for o in outs]
    dt = NAME[outs[0].dtype] if outs else "f32"
    rtol, atol = TOL.get(dt, (0.0, 0.0))
    if op in FWD_CONDITIONING:  # the case's own conditioning (see FWD_CONDITIONING)
        cond, _ = FWD_CONDITIONING[op](inputs, outs)
        if cond:
            rtol, atol = max(rtol, cond[0]), max(atol, cond[1])
    ftol = resolve_tol(tol, dt)
    if ftol:
        rtol, atol = max(rtol, ftol[0]), max(atol, ftol[1])
    if op in EXACT:
        rtol, atol = 0.0, 0.0
    c["rtol"], c["atol"] = rtol, atol
    if not why and dt in ("f16", "bf16"):
        why = "half-precision result: slope and torch may round a float intermediate differently by one ulp"
    gwhy = None
    if no_grad:
        GRAD_NONE.setdefault(op, set()).add(no_grad)
    else:
        gwhy = gradients(c, op, grad_fn or fn, inputs, kw, outs, tol, grad_tol, grad_wrt)
    if gwhy:
        why = (why + "; " if why else "") + gwhy
    if why:
        c["why"] = why
    S.cases.append(c)

