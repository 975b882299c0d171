// The name-keyed backend registry. Built-in backends are registered explicitly on first use
// (static registrars would be dropped by the linker when slope is a static library).
#include <atomic>
#include <cstdlib>
#include <map>
#include <mutex>

#include "slope/backend.h"

namespace slope {

// Defined by each backend folder; the CMake options SLOPE_BACKEND_<NAME> decide which exist.
std::unique_ptr<Backend> make_reference_backend();
#ifdef SLOPE_HAVE_CPU_BACKEND
std::unique_ptr<Backend> make_cpu_backend();
#endif

namespace {
struct Registry {
  std::mutex mu;
  std::map<std::string, BackendFactory> factories;
  std::map<std::string, std::unique_ptr<Backend>> instances;
  Registry() {
    factories["reference"] = make_reference_backend;
#ifdef SLOPE_HAVE_CPU_BACKEND
    factories["cpu"] = make_cpu_backend;
#endif
  }
};
Registry& registry() {
  static Registry* r = new Registry();  // never destroyed: kernels may run during static teardown
  return *r;
}

std::atomic<Backend*> g_default{nullptr};
std::once_flag g_default_once;
thread_local Backend* t_override = nullptr;

Backend& initial_default() {
  std::call_once(g_default_once, [] {
    const char* env = std::getenv("SLOPE_BACKEND");
    std::string name = env && *env ? env : "cpu";
    if (!registry().factories.count(name) && !(env && *env)) name = "reference";
    g_default = &get_backend(name);
  });
  return *g_default.load();
}
}  // namespace

bool register_backend(const std::string& name, BackendFactory factory) {
  auto& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  r.factories[name] = std::move(factory);
  r.instances.erase(name);
  return true;
}

std::vector<std::string> backend_names() {
  auto& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  std::vector<std::string> names;
  for (auto& [n, f] : r.factories) names.push_back(n);
  return names;
}

Backend& get_backend(const std::string& name) {
  auto& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  auto inst = r.instances.find(name);
  if (inst != r.instances.end()) return *inst->second;
  auto f = r.factories.find(name);
  if (f == r.factories.end()) {
    std::string known;
    for (auto& [n, _] : r.factories) known += (known.empty() ? "" : ", ") + n;
    fail("backend", "unknown backend '", name, "' (known: ", known, ")");
  }
  auto& slot = r.instances[name];
  slot = f->second();
  return *slot;
}

Backend& default_backend() {
  if (t_override) return *t_override;
  if (Backend* b = g_default.load(std::memory_order_acquire)) return *b;
  return initial_default();
}

void set_backend(const std::string& name) {
  initial_default();
  g_default.store(&get_backend(name), std::memory_order_release);
}

BackendScope::BackendScope(const std::string& name) : saved_(t_override) { t_override = &get_backend(name); }
BackendScope::~BackendScope() { t_override = saved_; }

}  // namespace slope
