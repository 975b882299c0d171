"""The skip list: the only cases the generator may drop, each with the kernel torch 1.13 lacks."""

# The only cases the generator may drop, each with the kernel torch 1.13 lacks. A drop not listed here
# (a new torch gap, or a case written wrong) fails the generator instead of silently losing coverage;
# a listed case that torch now computes fails too (remove it from the list).
EXPECTED_SKIPS = {
    "abs_bool": "abs_cpu", "floor_bool": "floor_vml_cpu", "round_bool": "round_vml_cpu",
    "argmax_bool": "argmax_cpu", "argmin_bool": "argmin_cpu", "argmax_med_bool": "argmax_cpu",
    "argmin_med_bool": "argmin_cpu", "max_pool_i32": "max_pool2d", "hypot_i32": "hypot_cpu",
    "logaddexp_i32": "logaddexp_cpu", "mish_i64": "mish_cpu",
}
SKIPPED = []  # cases torch cannot compute (missing kernels): each must be listed in EXPECTED_SKIPS


def drop(name, msg):
    """Records that torch cannot compute case `name` (its error: msg); fails unless EXPECTED_SKIPS lists the case
    with that kernel."""
    if name not in EXPECTED_SKIPS or EXPECTED_SKIPS[name] not in msg:
        raise AssertionError(f"case {name} dropped: torch says '{msg}', and EXPECTED_SKIPS does not list "
                             "this case with that kernel (add it there only if torch lacks the kernel)")
    SKIPPED.append(name)


def stale():
    """Listed cases that torch computed after all (to be removed from EXPECTED_SKIPS)."""
    return sorted(set(EXPECTED_SKIPS) - set(SKIPPED))
