#include "backends/cpu/toolchain/cache_dir.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <mutex>
#include <random>
#include <set>
#include <vector>

#include "slope/error.h"

namespace slope::cpu {
namespace {

constexpr const char* kOp = "jit";
// Temporary files older than this were left by a process that died mid-build.
constexpr time_t kStaleTempSeconds = 3600;
// Checksums and failure records are a line each; anything longer is not ours.
constexpr size_t kMaxTextBytes = 4096;

std::string errno_text(int err) { return std::strerror(err); }

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

// "tmp-" and 12 random letters and digits: the prefix the stale-file sweep looks for.
std::string temp_name() {
  static constexpr char chars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  thread_local std::mt19937_64 gen{std::random_device{}()};
  std::string name = "tmp-";
  for (int i = 0; i < 12; ++i) name += chars[gen() % (sizeof chars - 1)];
  return name;
}

// Why `st` is not safe to keep or load code from, or "" if it is. Anyone else who can write to
// it could plant a shared object that we would then load and run.
std::string unsafe_reason(const struct stat& st, bool allow_sticky) {
  if (!S_ISDIR(st.st_mode)) return "it is not a directory";
  if (st.st_uid != ::geteuid() && !(allow_sticky && st.st_uid == 0))
    return "it is owned by uid " + std::to_string(st.st_uid) + ", not by this user (uid " +
           std::to_string(::geteuid()) + ")";
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 && !(allow_sticky && (st.st_mode & S_ISVTX)))
    return "it is writable by group or others";
  return "";
}

// Removes the files directly in a directory (the toolchain's directories are flat). Nothing is
// followed: a symlink in it is removed, not its target.
void remove_files_in(int dirfd) {
  int fd = ::openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR* d = fd >= 0 ? ::fdopendir(fd) : nullptr;  // owns fd from here
  if (d == nullptr) {
    if (fd >= 0) ::close(fd);
    return;
  }
  while (dirent* e = ::readdir(d)) {
    std::string entry = e->d_name;
    if (entry != "." && entry != "..") ::unlinkat(dirfd, entry.c_str(), 0);
  }
  ::closedir(d);
}

void remove_flat_dir_at(int parent, const std::string& name) {
  UniqueFd fd(::openat(parent, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (fd) remove_files_in(fd.get());
  ::unlinkat(parent, name.c_str(), AT_REMOVEDIR);
}

// mkdir -p, one component at a time through descriptors, so what was created is what is opened.
// Existing components are followed even if they are symlinks (~/.cache on another disk is
// common); the caller checks the directory this reaches. Created components get mode 0700.
UniqueFd open_or_make_dirs(const std::string& path, std::string& why) {
  UniqueFd cur(::open(path[0] == '/' ? "/" : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  size_t pos = 0;
  while (cur && pos < path.size()) {
    size_t end = path.find('/', pos);
    if (end == std::string::npos) end = path.size();
    const std::string comp = path.substr(pos, end - pos);
    const std::string so_far = path.substr(0, end);
    pos = end + 1;
    if (comp.empty() || comp == ".") continue;
    int fd = ::openat(cur.get(), comp.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
      if (::mkdirat(cur.get(), comp.c_str(), 0700) != 0 && errno != EEXIST) {
        why = "cannot create " + so_far + ": " + errno_text(errno);
        return {};
      }
      fd = ::openat(cur.get(), comp.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd >= 0 && ::fchmod(fd, 0700) != 0) {  // the umask may have narrowed it
        why = "cannot chmod " + so_far + ": " + errno_text(errno);
        ::close(fd);
        return {};
      }
    }
    if (fd < 0) {
      why = "cannot open " + so_far + ": " + errno_text(errno);
      return {};
    }
    cur.reset(fd);
  }
  if (!cur) why = "cannot open " + path + ": " + errno_text(errno);
  return cur;
}

// Opens <base>/jit-v1 (creating both if needed) and checks it; on failure `why` says why.
std::optional<OpenDir> open_checked(const std::string& base, std::string& why) {
  UniqueFd root = open_or_make_dirs(base, why);
  if (!root) return std::nullopt;
  // Whoever can write to the parent can swap our directory for theirs, so it must be ours (or
  // root's and sticky, like /tmp): checked on what the path actually reached.
  struct stat st {};
  if (::fstat(root.get(), &st) != 0) {
    why = "cannot stat " + base + ": " + errno_text(errno);
    return std::nullopt;
  }
  if (std::string r = unsafe_reason(st, /*allow_sticky=*/true); !r.empty()) {
    why = base + ": " + r;
    return std::nullopt;
  }
  const std::string path = base + "/" + kCacheVersionDir;
  if (::mkdirat(root.get(), kCacheVersionDir, 0700) != 0 && errno != EEXIST) {
    why = "cannot create " + path + ": " + errno_text(errno);
    return std::nullopt;
  }
  UniqueFd dir(::openat(root.get(), kCacheVersionDir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dir) {
    int err = errno;
    bool link = ::fstatat(root.get(), kCacheVersionDir, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode);
    why = path + ": " + (link ? "it is a symlink, not a directory (links are not followed)" : errno_text(err));
    return std::nullopt;
  }
  if (::fstat(dir.get(), &st) != 0) {
    why = "cannot stat " + path + ": " + errno_text(errno);
    return std::nullopt;
  }
  if (std::string r = unsafe_reason(st, /*allow_sticky=*/false); !r.empty()) {
    why = path + ": " + r;
    return std::nullopt;
  }
  // Ours and nobody else can write to it: tighten a readable one (e.g. 0755 from an old version
  // or a hand-made directory) to exactly 0700, so no one else can read or list our code either.
  if ((st.st_mode & 07777) != 0700 && ::fchmod(dir.get(), 0700) != 0) {
    why = "cannot chmod " + path + " to 0700: " + errno_text(errno);
    return std::nullopt;
  }
  return OpenDir(std::move(dir), path);
}

struct DirState {
  std::mutex mu;
  std::set<std::string> warned;  // refused locations already reported
  std::set<std::string> swept;   // directories whose stale temporaries were removed
  UniqueFd fallback_fd;          // this process's private directory, made on first need
  std::string fallback;
  // The private directory dies with the process. Loaded libraries do not need their files.
  ~DirState() {
    if (!fallback.empty()) {
      remove_files_in(fallback_fd.get());
      ::rmdir(fallback.c_str());
    }
  }
};

DirState& dir_state() {
  static DirState s;
  return s;
}

OpenDir fallback_dir_locked(DirState& s) {
  if (s.fallback.empty()) {
    std::string tmp = env("TMPDIR");
    if (tmp.empty()) tmp = "/tmp";
    for (const std::string& root : {tmp, std::string("/tmp")}) {
      std::string templ = root + "/slope-jit-XXXXXX";
      std::vector<char> buf(templ.begin(), templ.end());
      buf.push_back('\0');
      if (::mkdtemp(buf.data()) == nullptr) continue;  // mkdtemp makes it 0700
      UniqueFd fd(::open(buf.data(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      struct stat st {};
      if (fd && ::fstat(fd.get(), &st) == 0 && unsafe_reason(st, false).empty()) {
        s.fallback_fd = std::move(fd);
        s.fallback = buf.data();
        break;
      }
      ::rmdir(buf.data());
    }
    if (s.fallback.empty())
      fail(kOp, "cannot create a private temporary directory under ", tmp, " or /tmp: ", errno_text(errno));
  }
  UniqueFd dup(::fcntl(s.fallback_fd.get(), F_DUPFD_CLOEXEC, 0));
  if (!dup) fail(kOp, "cannot duplicate a descriptor of ", s.fallback, ": ", errno_text(errno));
  return OpenDir(std::move(dup), s.fallback);
}

// Removes temporaries left behind by processes that died mid-build (once per directory per
// process; recent ones may belong to a build running right now).
void sweep_stale_locked(DirState& s, const OpenDir& dir) {
  if (!s.swept.insert(dir.path()).second) return;
  int fd = ::openat(dir.fd(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR* d = fd >= 0 ? ::fdopendir(fd) : nullptr;  // owns fd from here
  if (d == nullptr) {
    if (fd >= 0) ::close(fd);
    return;
  }
  time_t now = ::time(nullptr);
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name.rfind("tmp-", 0) != 0) continue;
    struct stat st {};
    if (::fstatat(dir.fd(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || now - st.st_mtime <= kStaleTempSeconds)
      continue;
    if (S_ISDIR(st.st_mode))
      remove_flat_dir_at(dir.fd(), name);
    else
      ::unlinkat(dir.fd(), name.c_str(), 0);
  }
  ::closedir(d);
}

void write_all(int fd, const std::string& data, const std::string& path) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(kOp, "cannot write ", path, ": ", errno_text(errno));
    done += size_t(n);
  }
}

}  // namespace

// ---- OpenDir ----

UniqueFd OpenDir::open_file(const std::string& name, std::string& why) const {
  return open_regular(name, /*make_private=*/false, why);
}

UniqueFd OpenDir::claim_file(const std::string& name, std::string& why) const {
  UniqueFd f = open_regular(name, /*make_private=*/true, why);
  if (!f && why.empty()) why = "it is missing";
  return f;
}

UniqueFd OpenDir::open_regular(const std::string& name, bool make_private, std::string& why) const {
  why.clear();
  UniqueFd f(::openat(fd(), name.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY));
  if (!f) {
    if (errno == ELOOP) why = "it is a symlink (links are not followed)";
    else if (errno != ENOENT) why = "cannot open it: " + errno_text(errno);
    return {};
  }
  struct stat st {};
  if (::fstat(f.get(), &st) != 0)
    why = "cannot stat it: " + errno_text(errno);
  else if (!S_ISREG(st.st_mode))
    why = "it is not a regular file";
  else if (st.st_uid != ::geteuid() && st.st_uid != 0)
    why = "it is owned by uid " + std::to_string(st.st_uid) + ", not by this user";
  else if (make_private && ::fchmod(f.get(), 0600) != 0)
    why = "cannot chmod it: " + errno_text(errno);
  else if (!make_private && (st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
    why = "it is writable by group or others";
  if (!why.empty()) return {};
  return f;
}

std::optional<std::string> OpenDir::read_text(const std::string& name) const {
  std::string why;
  UniqueFd f = open_file(name, why);
  if (!f) return std::nullopt;
  std::string out;
  char buf[512];
  for (;;) {
    ssize_t n = ::read(f.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::nullopt;
    if (n == 0) break;
    out.append(buf, size_t(n));
    if (out.size() > kMaxTextBytes) return std::nullopt;
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

void OpenDir::create_file(const std::string& name, const std::string& data) const {
  UniqueFd f(::openat(fd(), name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!f) fail(kOp, "cannot create ", path_of(name), ": ", errno_text(errno));
  if (::fchmod(f.get(), 0600) != 0) fail(kOp, "cannot chmod ", path_of(name), ": ", errno_text(errno));
  write_all(f.get(), data, path_of(name));
  // close() is where a full disk or a network file system may report a failed write.
  if (::close(f.release()) != 0) fail(kOp, "cannot write ", path_of(name), ": ", errno_text(errno));
}

void OpenDir::write_text(const std::string& name, const std::string& text) const {
  const std::string tmp = temp_name();
  create_file(tmp, text);
  if (::renameat(fd(), tmp.c_str(), fd(), name.c_str()) != 0) {
    int err = errno;
    ::unlinkat(fd(), tmp.c_str(), 0);
    fail(kOp, "cannot rename ", path_of(tmp), " to ", path_of(name), ": ", errno_text(err));
  }
}

void OpenDir::move(const std::string& from, const OpenDir& dest, const std::string& to) const {
  if (::renameat(fd(), from.c_str(), dest.fd(), to.c_str()) != 0)
    fail(kOp, "cannot rename ", path_of(from), " to ", dest.path_of(to), ": ", errno_text(errno));
}

void OpenDir::remove(const std::string& name) const { ::unlinkat(fd(), name.c_str(), 0); }

// ---- the cache directory ----

OpenDir open_cache_dir() {
  // The environment is read every time: it may change over a process's life (tests do).
  std::string base = env("SLOPE_CACHE_DIR");
  if (base.empty() && !env("XDG_CACHE_HOME").empty()) base = env("XDG_CACHE_HOME") + "/slope";
  if (base.empty() && !env("HOME").empty()) base = env("HOME") + "/.cache/slope";
  while (base.size() > 1 && base.back() == '/') base.pop_back();
  DirState& s = dir_state();
  std::lock_guard<std::mutex> lock(s.mu);
  std::string why = "none of SLOPE_CACHE_DIR, XDG_CACHE_HOME, HOME is set";
  if (!base.empty()) {
    if (std::optional<OpenDir> dir = open_checked(base, why)) {
      sweep_stale_locked(s, *dir);
      return std::move(*dir);
    }
  }
  OpenDir fallback = fallback_dir_locked(s);
  if (s.warned.insert(base).second) {
    std::string msg = "slope: [jit] not using the compilation cache: " + why +
                      "; compiled code is kept in the private directory " + fallback.path() +
                      " for this process only (set SLOPE_CACHE_DIR to a directory only you can write to)\n";
    std::fputs(msg.c_str(), stderr);
  }
  return fallback;
}

// ---- BuildDir ----

BuildDir::BuildDir(const OpenDir& cache) : parent_(::fcntl(cache.fd(), F_DUPFD_CLOEXEC, 0)) {
  if (!parent_) fail(kOp, "cannot duplicate a descriptor of ", cache.path(), ": ", errno_text(errno));
  for (int attempt = 0; attempt < 100 && name_.empty(); ++attempt) {
    std::string name = temp_name();
    if (::mkdirat(parent_.get(), name.c_str(), 0700) == 0) name_ = name;
    else if (errno != EEXIST) break;
  }
  if (name_.empty()) fail(kOp, "cannot create a temporary directory in ", cache.path(), ": ", errno_text(errno));
  UniqueFd fd(::openat(parent_.get(), name_.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd || ::fchmod(fd.get(), 0700) != 0) {
    int err = errno;
    ::unlinkat(parent_.get(), name_.c_str(), AT_REMOVEDIR);
    fail(kOp, "cannot open the temporary directory ", cache.path_of(name_), ": ", errno_text(err));
  }
  dir_.emplace(std::move(fd), cache.path_of(name_));
}

BuildDir::~BuildDir() { remove_flat_dir_at(parent_.get(), name_); }

}  // namespace slope::cpu
