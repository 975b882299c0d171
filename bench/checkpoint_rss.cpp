// Peak memory of loading a large checkpoint: is the file's data ever held twice?
//   checkpoint_rss PATH [MiB]   (default 400)
// Saves a checkpoint of MiB mebibytes (8 f32 tensors) at PATH, then, in two child processes (so
// nothing of the writer's memory is counted), loads it with load_safetensors (no tree given) and
// with slope::load (into a tree of the same shapes, which the process holds already), and prints
// each load's peak resident memory above what the process held before it, as JSON lines.
#include <slope/slope.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

double status_mib(const char* field) {  // VmRSS or VmHWM from /proc/self/status
  FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  double kib = -1;
  const std::string key = std::string(field) + ": %lf kB";
  while (std::fgets(line, sizeof line, f))
    if (std::sscanf(line, key.c_str(), &kib) == 1) break;
  std::fclose(f);
  return kib / 1024;
}

void reset_peak() {  // Linux: "5" resets VmHWM to the current RSS
  if (FILE* f = std::fopen("/proc/self/clear_refs", "w")) {
    std::fputs("5", f);
    std::fclose(f);
  }
}

std::vector<slope::Tensor> shapes_of(int64_t mib) {  // 8 tensors of mib/8 MiB each, zeros
  std::vector<slope::Tensor> t;
  for (int i = 0; i < 8; ++i) t.push_back(slope::zeros({mib * (1 << 20) / 8 / 4}));
  return t;
}

void report(const char* how, double extra, int64_t mib) {
  std::printf("{\"bench\": \"checkpoint_load_peak_rss\", \"impl\": \"slope\", \"how\": \"%s\", \"file_mib\": %lld, "
              "\"peak_rss_above_before_mib\": %.1f, \"ratio\": %.3f}\n",
              how, static_cast<long long>(mib), extra, extra / static_cast<double>(mib));
  std::fflush(stdout);
}

template <class F> int in_child(F f) {
  pid_t pid = fork();
  if (pid == 0) {
    f();
    std::fflush(stdout);
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: checkpoint_rss PATH [MiB]\n");
    return 2;
  }
  const std::string path = argv[1];
  const int64_t mib = argc > 2 ? std::atoll(argv[2]) : 400;
  int rc = in_child([&] {
    std::vector<slope::Tensor> t = shapes_of(mib);
    for (auto& x : t) x = slope::rand(x.shape());
    slope::save(t, path);
  });
  rc |= in_child([&] {
    slope::Buffer::release_cached();
    reset_peak();
    const double before = status_mib("VmRSS");
    slope::SafetensorsFile f = slope::load_safetensors(path);
    report("load_safetensors", status_mib("VmHWM") - before, mib);
  });
  rc |= in_child([&] {
    const std::vector<slope::Tensor> like = shapes_of(mib);
    slope::Buffer::release_cached();
    reset_peak();
    const double before = status_mib("VmRSS");
    std::vector<slope::Tensor> loaded = slope::load(like, path);
    report("slope::load into a tree", status_mib("VmHWM") - before, mib);
  });
  std::remove(path.c_str());
  return rc;
}
