// libFuzzer target: load_idx on arbitrary bytes, plain or gzipped (see fuzz_safetensors.cpp).
#include "fuzz_input.h"
#include "slope/io/idx.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    slope::Tensor t = slope::load_idx(slope::fuzz::as_file(data, size));
    volatile uint64_t sink = slope::fuzz::touch(t.data(), static_cast<size_t>(t.numel()) * slope::itemsize(t.dtype()));
    (void)sink;
  } catch (const slope::Error&) {
  }
  return 0;
}
