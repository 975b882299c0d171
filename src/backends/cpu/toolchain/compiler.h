#pragma once
// The system compiler as the jit runs it: which one, with which flags, what identifies it (for
// cache keys), and running it with a time limit in its own process group.
#include <string>
#include <vector>

namespace slope::cpu {

// The compiler: $SLOPE_CXX, else $CXX, else c++. Flags: optimised, position independent,
// `omp simd` pragmas (-fopenmp-simd, no OpenMP runtime), -march=native, linked with OpenBLAS;
// plus slope's own sanitizer flags when slope was built with SLOPE_SANITIZE.
std::string compiler();
std::vector<std::string> compile_flags();
std::vector<std::string> link_flags();

// The compiler command split into words ("ccache g++" is a launcher and a compiler; no shell is
// involved), the first resolved through PATH, and an identity that changes when any of the
// programs it names is replaced or upgraded: each word's resolved file, size, mtime and inode.
struct CompilerCommand {
  std::string text;                // as the environment gave it
  std::vector<std::string> words;  // argv
  std::string executable;          // words[0] resolved; empty when it names no executable file
  std::string identity;
};
CompilerCommand compiler_command();

// How long the compiler may run: $SLOPE_JIT_TIMEOUT seconds (a positive number), else 300 s.
// Generated programs can legitimately take minutes to compile; a hung one must not block forever.
double compile_timeout_seconds();

struct ProcessResult {
  bool started = false;
  int spawn_errno = 0;     // why it could not start
  int status = 0;          // waitpid status when started
  bool timed_out = false;  // stopped (with everything it started) when the time ran out
  std::string output;      // stdout and stderr, interleaved as written (capped at 1 MiB)
};

bool succeeded(const ProcessResult& r);
std::string format_seconds(double s);  // "300", "0.5"
std::string describe_status(const ProcessResult& r, double timeout_seconds);

// Runs `args` (args[0] as the program's name, `executable` the file to run; no shell) with
// `cwd_fd` as its working directory, stdin from /dev/null and stdout + stderr collected. The
// child leads its own process group: when `timeout_seconds` pass, the whole group (the compiler
// and every helper it started) is killed. It is also killed if this process dies first.
ProcessResult run_process(const std::string& executable, const std::vector<std::string>& args, int cwd_fd,
                          double timeout_seconds);

}  // namespace slope::cpu
