// libFuzzer target: load_safetensors on arbitrary bytes. Only slope::Error may come out; crashes,
// sanitizer reports, leaks, hangs and oversized allocations are findings.
#include "fuzz_input.h"
#include "slope/io/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    slope::SafetensorsFile f = slope::load_safetensors(slope::fuzz::as_file(data, size));
    uint64_t h = 0;
    for (const auto& [name, t] : f.tensors) h += slope::fuzz::touch(t.data(), static_cast<size_t>(t.numel()) * slope::itemsize(t.dtype()));
    volatile uint64_t sink = h;
    (void)sink;
  } catch (const slope::Error&) {
  }
  return 0;
}
