// The jit toolchain: run the system compiler (compiler.cpp) on generated C++, keep the shared
// objects in a private content-addressed cache (cache_dir.cpp), and load them. See
// docs/architecture.md ("jit toolchain").
//
// Failure policy: a compiler that fails, hangs or is missing, an unusable cache directory or a
// full disk all come back as a BuildResult without a library and with a log saying why, so the
// caller can fall back to the interpreter. Only SharedLibrary::symbol throws (asking for a symbol
// that the generated code does not define is a bug in the caller).
#include "backends/cpu/toolchain/toolchain.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>

#include "backends/cpu/toolchain/cache_dir.h"
#include "backends/cpu/toolchain/sha256.h"
#include "slope/error.h"

namespace slope::cpu {
namespace {

constexpr const char* kOp = "jit";
// Larger than any shared object the generator could produce; a bigger entry is not ours.
constexpr off_t kMaxLibraryBytes = off_t(1) << 30;

std::string errno_text(int err) { return std::strerror(err); }

// -march=native code must not be loaded on another CPU (a cache directory shared over NFS, a
// copied home directory), so the CPU's model and feature flags are part of every key.
const std::string& cpu_identity() {
  static const std::string id = [] {
    std::ifstream in("/proc/cpuinfo");
    std::string line, model, flags;
    while (std::getline(in, line) && (model.empty() || flags.empty())) {
      if (model.empty() && line.rfind("model name", 0) == 0) model = line;
      if (flags.empty() && line.rfind("flags", 0) == 0) flags = line;
    }
    return model + "\n" + flags;
  }();
  return id;
}

struct Toolchain {
  CompilerCommand cmd;
  std::vector<std::string> cflags, lflags;
  double timeout = 0;
};

Toolchain current_toolchain() {
  return Toolchain{compiler_command(), compile_flags(), link_flags(), compile_timeout_seconds()};
}

// The timeout is not part of the key: it decides whether a build finishes, not what it produces.
std::string entry_key(const std::string& source, const Toolchain& t) {
  Sha256 h;
  h.field(source);
  h.field(t.cmd.text);
  h.field(t.cmd.identity);
  for (const auto& f : t.cflags) h.field(f);
  h.field("--");
  for (const auto& f : t.lflags) h.field(f);
  h.field(cpu_identity());
  return h.hex();
}

// ---- in-process state ----

struct Failure {
  BuildFailure kind;
  std::string log;
  double timeout = 0;  // for a timeout: the limit that ran out
};

// A failure still holds unless it was a timeout and the limit has been raised since.
bool still_holds(const Failure& f, double timeout) { return f.kind != BuildFailure::timeout || timeout <= f.timeout; }

struct Loaded {
  std::mutex mu;
  std::map<std::string, std::shared_ptr<std::mutex>> key_locks;
  // A key is loaded once while anything uses it; every load is a fresh copy of the bytes.
  std::map<std::string, std::weak_ptr<SharedLibrary>> libraries;
  std::map<std::string, Failure> failures;
  std::function<void(CacheStep, const std::string&)> hook;
};

Loaded& loaded() {
  static Loaded l;
  return l;
}

std::shared_ptr<std::mutex> key_lock(const std::string& key) {
  Loaded& l = loaded();
  std::lock_guard<std::mutex> lock(l.mu);
  auto& m = l.key_locks[key];
  if (!m) m = std::make_shared<std::mutex>();
  return m;
}

std::shared_ptr<SharedLibrary> find_loaded(const std::string& key) {
  Loaded& l = loaded();
  std::lock_guard<std::mutex> lock(l.mu);
  auto it = l.libraries.find(key);
  return it == l.libraries.end() ? nullptr : it->second.lock();
}

void remember_loaded(const std::string& key, const std::shared_ptr<SharedLibrary>& lib) {
  Loaded& l = loaded();
  std::lock_guard<std::mutex> lock(l.mu);
  for (auto it = l.libraries.begin(); it != l.libraries.end();)
    it = it->second.expired() ? l.libraries.erase(it) : std::next(it);
  l.libraries[key] = lib;
}

std::optional<Failure> find_failure(const std::string& key) {
  Loaded& l = loaded();
  std::lock_guard<std::mutex> lock(l.mu);
  auto it = l.failures.find(key);
  return it == l.failures.end() ? std::nullopt : std::optional<Failure>(it->second);
}

void remember_failure(const std::string& key, const Failure& f) {
  Loaded& l = loaded();
  std::lock_guard<std::mutex> lock(l.mu);
  l.failures[key] = f;
}

void run_hook(CacheStep step, const std::string& path) {
  std::function<void(CacheStep, const std::string&)> hook;
  {
    Loaded& l = loaded();
    std::lock_guard<std::mutex> lock(l.mu);
    hook = l.hook;
  }
  if (hook) hook(step, path);
}

// ---- loading exactly the checked bytes ----

// A shared object's bytes in a sealed memory file (nothing can change them any more) and the
// SHA-256 of exactly those bytes.
struct SealedCopy {
  UniqueFd fd;
  std::string sha256;
};

// Copies `src` (an entry, or the compiler's output) into a sealed memory file: it is read once,
// and what is hashed, checked and loaded afterwards is this copy, never the file again.
std::optional<SealedCopy> seal_copy(int src, std::string& error) {
  struct stat st {};
  if (::fstat(src, &st) != 0) {
    error = "cannot stat it: " + errno_text(errno);
    return std::nullopt;
  }
  if (st.st_size > kMaxLibraryBytes) {
    error = "it is larger than " + std::to_string(kMaxLibraryBytes) + " bytes";
    return std::nullopt;
  }
  SealedCopy c;
  c.fd.reset(::memfd_create("slope-jit", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!c.fd) {
    error = "memfd_create failed: " + errno_text(errno);
    return std::nullopt;
  }
  char buf[1 << 16];
  off_t total = 0;
  for (;;) {
    ssize_t n = ::read(src, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error = "cannot read it: " + errno_text(errno);
      return std::nullopt;
    }
    if (n == 0) break;
    if ((total += n) > kMaxLibraryBytes) {  // it grew while being read
      error = "it is larger than " + std::to_string(kMaxLibraryBytes) + " bytes";
      return std::nullopt;
    }
    for (ssize_t done = 0; done < n;) {
      ssize_t w = ::write(c.fd.get(), buf + done, size_t(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) {
        error = "cannot copy it into memory: " + errno_text(errno);
        return std::nullopt;
      }
      done += w;
    }
  }
  if (::fcntl(c.fd.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0) {
    error = "cannot seal its copy in memory: " + errno_text(errno);
    return std::nullopt;
  }
  Sha256 h;
  for (off_t at = 0; at < total;) {
    ssize_t n = ::pread(c.fd.get(), buf, sizeof buf, at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error = "cannot read its copy in memory: " + errno_text(errno);
      return std::nullopt;
    }
    h.update(buf, size_t(n));
    at += n;
  }
  c.sha256 = h.hex();
  return c;
}

struct Load {
  std::shared_ptr<SharedLibrary> library;
  std::string error;
  bool missing_symbol = false;
};

// dlopen through /proc/self/fd: the loader maps the sealed copy itself. RTLD_LOCAL: generated
// libraries all export the same entry-point names. Unloading one later is safe: they link no
// threading runtime (their loops run on slope's pool, whose workers leave a job's code before the
// call that ran it returns), and OpenBLAS stays loaded by slope itself.
std::string memory_path(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

Load load_copy(SealedCopy copy, const std::string& entry_path, const std::vector<std::string>& required) {
  Load out;
  const std::string fd_path = memory_path(copy.fd.get());
  void* handle = ::dlopen(fd_path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* e = ::dlerror();
    out.error = std::string(e ? e : "unknown dlopen error") + " (loading from " + fd_path + "; is /proc mounted?)";
    return out;
  }
  auto lib = std::make_shared<SharedLibrary>(handle, entry_path, std::move(copy.fd));
  for (const std::string& name : required) {
    if (::dlsym(handle, name.c_str()) == nullptr) {
      out.error = "it has no symbol '" + name + "'";
      out.missing_symbol = true;
      return out;
    }
  }
  out.library = std::move(lib);
  return out;
}

// ---- one build ----

struct Entry {
  std::string key, so, sum, failed;  // file names in the cache directory
  explicit Entry(const std::string& k) : key(k), so(k + ".so"), sum(k + ".sha256"), failed(k + ".failed") {}
};

// Loads a cached entry whose bytes match its checksum. Anything else (a symlink, a FIFO, a
// tampered or truncated file, a library that no longer loads) is reported in `note` and rebuilt.
std::shared_ptr<SharedLibrary> load_cached(const OpenDir& dir, const Entry& e, const std::vector<std::string>& required,
                                           std::string& note) {
  std::string why;
  UniqueFd f = dir.open_file(e.so, why);
  if (!f) {
    if (!why.empty()) note = "cached " + dir.path_of(e.so) + " was not used: " + why + "; rebuilt it";
    return nullptr;
  }
  std::optional<SealedCopy> copy = seal_copy(f.get(), why);
  if (!copy) {
    note = "cached " + dir.path_of(e.so) + " was not used: " + why + "; rebuilt it";
    return nullptr;
  }
  if (copy->sha256 != dir.read_text(e.sum)) {
    note = "cached " + dir.path_of(e.so) + " does not match its checksum (changed since it was written, or " +
           "left half-written); rebuilt it";
    return nullptr;
  }
  run_hook(CacheStep::entry_verified, dir.path_of(e.so));
  Load l = load_copy(std::move(*copy), dir.path_of(e.so), required);
  // e.g. a runtime library it needs has been removed since: rebuilding reports the real cause
  if (!l.library) note = "cached " + dir.path_of(e.so) + " did not load (" + l.error + "); rebuilt it";
  return l.library;
}

BuildResult failed(BuildFailure kind, std::string log, bool repeated = false) {
  BuildResult r;
  r.failure = kind;
  r.log = std::move(log);
  r.repeated = repeated;
  return r;
}

// A timeout recorded by an earlier process, if it still holds: same key (so the same source and
// compiler) and a limit no longer than the one that ran out then.
std::optional<Failure> recorded_timeout(const OpenDir& dir, const Entry& e, double timeout) {
  std::optional<std::string> text = dir.read_text(e.failed);
  if (!text || text->rfind("timeout ", 0) != 0) return std::nullopt;
  char* end = nullptr;
  double limit = std::strtod(text->c_str() + 8, &end);
  if (end == text->c_str() + 8 || limit <= 0) return std::nullopt;
  Failure f{BuildFailure::timeout,
            "[jit] the compiler did not finish this program within " + format_seconds(limit) +
                " s in an earlier process (recorded in " + dir.path_of(e.failed) +
                "); not trying again. Raise SLOPE_JIT_TIMEOUT or delete that file to try again.\n",
            limit};
  if (!still_holds(f, timeout)) return std::nullopt;
  return f;
}

// Best effort: a cache that cannot take the record only costs the next process the wait again.
void record_timeout(const OpenDir& dir, const Entry& e, double timeout) {
  char limit[32];
  std::snprintf(limit, sizeof limit, "%.17g", timeout);
  try {
    dir.write_text(e.failed, std::string("timeout ") + limit + "\n");
  } catch (const Error&) {
  }
}

// Why the compiler failed, the command and where it ran, and what the compiler said.
std::string failure_log(const ProcessResult& r, const Toolchain& t, const std::vector<std::string>& args,
                        const OpenDir& where) {
  std::string log = "[jit] compiling generated code failed: " + describe_status(r, t.timeout) + "\n";
  if (!r.started)
    log += "[jit] cannot run the compiler '" + t.cmd.text + "'; set SLOPE_CXX (or CXX) to a C++20 compiler\n";
  log += "command:";
  for (const auto& a : args) log += " " + a;
  return log + "\n(in " + where.path() + ")\n" + r.output;
}

// Compiles into a private build directory, checks the result, and moves it into the cache.
BuildResult compile_entry(const std::string& source, const Toolchain& t, const OpenDir& dir, const Entry& e,
                          const std::vector<std::string>& required, const std::string& note) {
  BuildDir build(dir);
  // Fixed names (<key>.cpp, <key>.so) in the build directory, which is the compiler's working
  // directory: the compiler records the source's name in the object, so every build of an entry
  // is byte-identical and processes building one entry at once agree on its checksum. Relative
  // names also mean the compiler never resolves a path anyone could redirect.
  build.dir().create_file(e.key + ".cpp", source);
  std::vector<std::string> args = t.cmd.words;
  args.insert(args.end(), t.cflags.begin(), t.cflags.end());
  args.insert(args.end(), {e.key + ".cpp", "-o", e.so});
  args.insert(args.end(), t.lflags.begin(), t.lflags.end());
  ProcessResult r = run_process(t.cmd.executable, args, build.dir().fd(), t.timeout);
  if (!succeeded(r)) {
    const std::string log = note + failure_log(r, t, args, build.dir());
    BuildFailure kind = r.timed_out ? BuildFailure::timeout : BuildFailure::compiler;
    // A compiler that is not there may be installed later in this process's life.
    if (r.started) remember_failure(e.key, Failure{kind, log, t.timeout});
    if (r.timed_out) record_timeout(dir, e, t.timeout);
    return failed(kind, log);
  }
  std::string why;
  UniqueFd out = build.dir().claim_file(e.so, why);
  std::optional<SealedCopy> copy;
  if (out) copy = seal_copy(out.get(), why);
  const std::string sha256 = copy ? copy->sha256 : "";
  Load l;
  if (copy) l = load_copy(std::move(*copy), dir.path_of(e.so), required);
  if (!l.library) {
    std::string log = note + r.output + "[jit] the compiler exited successfully, but its output " + e.so +
                      " cannot be used: " + (copy ? l.error : why) + "; it is not cached\n";
    BuildFailure kind = l.missing_symbol ? BuildFailure::missing_symbol : BuildFailure::compiler;
    remember_failure(e.key, Failure{kind, log});
    return failed(kind, log);
  }
  build.dir().create_file(e.sum, sha256 + "\n");
  // The .so first, then its sum: a crash in between leaves a new .so next to a stale or missing
  // sum, which the check reports as corrupt. Other processes doing the same build race
  // harmlessly: every rename is atomic and their outputs are identical; even if they were not, a
  // mismatched pair would only cost a rebuild.
  build.dir().move(e.so, dir, e.so);
  build.dir().move(e.sum, dir, e.sum);
  dir.remove(e.failed);  // this build supersedes an earlier timeout (the limit was raised)
  remember_loaded(e.key, l.library);
  BuildResult result;
  result.library = std::move(l.library);
  result.log = note + r.output;  // warnings, if any
  return result;
}

BuildResult build_locked(const std::string& source, const Toolchain& t, const Entry& e,
                         const std::vector<std::string>& required) {
  BuildResult result;
  if (auto lib = find_loaded(e.key)) {
    result.library = std::move(lib);
    result.cache_hit = true;
    return result;
  }
  if (std::optional<Failure> f = find_failure(e.key); f && still_holds(*f, t.timeout))
    return failed(f->kind, f->log, /*repeated=*/true);
  const OpenDir dir = open_cache_dir();
  run_hook(CacheStep::directory_opened, dir.path());
  std::string note;
  if (auto lib = load_cached(dir, e, required, note)) {
    remember_loaded(e.key, lib);
    result.library = std::move(lib);
    result.cache_hit = true;
    return result;
  }
  if (!note.empty()) {
    note = "[jit] " + note + "\n";
    std::fputs(("slope: " + note).c_str(), stderr);
  }
  // Checked after the entry: another process may have built it since, with a longer limit.
  if (std::optional<Failure> f = recorded_timeout(dir, e, t.timeout)) {
    remember_failure(e.key, *f);
    return failed(f->kind, note + f->log);
  }
  return compile_entry(source, t, dir, e, required, note);
}

}  // namespace

// ---- public interface ----

SharedLibrary::~SharedLibrary() {
  if (handle_ == nullptr) return;
  ::dlclose(handle_);
  // A library that cannot be unloaded (e.g. g++ made it NODELETE for a unique symbol) keeps its
  // name: its descriptor must stay open, or a later load that reused the number would be handed
  // this library back.
  if (void* still = ::dlopen(memory_path(memory_.get()).c_str(), RTLD_LAZY | RTLD_NOLOAD)) {
    ::dlclose(still);
    memory_.release();
  }
}

void* SharedLibrary::symbol(const std::string& name) const {
  ::dlerror();  // clear an earlier error, so the message below is about this lookup
  void* p = ::dlsym(handle_, name.c_str());
  if (p == nullptr) {
    const char* e = ::dlerror();
    fail(kOp, "symbol '", name, "' not found in ", path_, e ? std::string(": ") + e : std::string());
  }
  return p;
}

BuildResult build_shared_library(const std::string& source, const std::vector<std::string>& required_symbols) {
  try {
    Toolchain t = current_toolchain();
    Entry e(entry_key(source, t));
    // One build per key at a time in this process: a second thread waits and then finds the
    // first one's library (or its failure). Across processes the atomic renames keep the cache
    // consistent.
    std::shared_ptr<std::mutex> m = key_lock(e.key);
    std::lock_guard<std::mutex> lock(*m);
    return build_locked(source, t, e, required_symbols);
  } catch (const Error& err) {
    // No usable directory, a full disk, ...: the caller falls back to the interpreter.
    return failed(BuildFailure::cache, err.what());
  }
}

void set_cache_test_hook(std::function<void(CacheStep, const std::string& path)> hook) {
  Loaded& l = loaded();
  std::lock_guard<std::mutex> lock(l.mu);
  l.hook = std::move(hook);
}

}  // namespace slope::cpu
