// Prints slope::get_num_threads() as this process sees it when it starts: test_threads.cpp runs
// it under `taskset -c 0` and with SLOPE_NUM_THREADS (settings a running process cannot undo).
#include <cstdio>

#include <slope/slope.h>

int main() {
  std::printf("%d\n", slope::get_num_threads());
  return 0;
}
