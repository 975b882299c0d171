#pragma once
// How many threads slope computes with: the cpu backend's one pool (eager kernels, matrix products,
// jit-compiled loops). The default is $SLOPE_NUM_THREADS when set, else the number of CPUs this
// process may run on (its affinity mask: `taskset -c 0 ./app` runs on one thread).
namespace slope {

// n >= 1 threads from the next parallel loop on (the calling thread counts as one: 1 = no workers).
// Throws slope::Error "[set_num_threads] ..." for n < 1 or n > 1024.
void set_num_threads(int n);
int get_num_threads();

}  // namespace slope
