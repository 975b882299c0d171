// libFuzzer target: load_npy on arbitrary bytes (see fuzz_safetensors.cpp for what counts).
#include "fuzz_input.h"
#include "slope/io/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    slope::Tensor t = slope::load_npy(slope::fuzz::as_file(data, size));
    volatile uint64_t sink = slope::fuzz::touch(t.data(), static_cast<size_t>(t.numel()) * slope::itemsize(t.dtype()));
    (void)sink;
  } catch (const slope::Error&) {
  }
  return 0;
}
