"""The cases of the PyTorch golden files, written by tests/torch/gen_golden.py (its docstring gives the file
format). From the bottom up: tensors.py (dtypes, seeded inputs, the data.bin store), tolerances.py (from the
dtype and from a case's own conditioning), reference.py (how torch computes each op), gradients.py (torch
autograd's vjp), skips.py (the cases torch cannot compute), case.py (recording one case); then one file per
op family: elementwise, reductions, shapes (and indexing, creation), linalg, nn, sorting, spellings (the
PyTorch spellings), edges (edge values and kinks), medium (sizes), sweep (random combinations), half."""
