#pragma once
// A one-line training progress bar for a terminal, redrawn in place with '\r':
//
//   Train epoch 2/3 [##########..........] 150/300  loss 61.23  412.5 it/s  ETA 0:00
//
// When stdout is not a terminal (a log file, CI) it draws nothing: the example prints one plain
// line per epoch instead, so logs hold no carriage returns.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <utility>

class ProgressBar {
 public:
  ProgressBar(std::string label, long total) : label_(std::move(label)), total_(total), tty_(isatty(STDOUT_FILENO) == 1) {}
  ~ProgressBar() { finish(); }
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  static bool on_terminal() { return isatty(STDOUT_FILENO) == 1; }

  // One more batch done, with its loss. Redraws at most 10 times a second (and at the last batch),
  // so drawing costs nothing next to a training step.
  void step(double loss) {
    ++done_;
    loss_ = loss;
    if (!tty_) return;
    const auto now = Clock::now();
    if (done_ < total_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    draw(now);
  }

  // Ends the line (once).
  void finish() {
    if (tty_ && done_ > 0 && !finished_) std::printf("\n");
    std::fflush(stdout);
    finished_ = true;
  }

 private:
  using Clock = std::chrono::steady_clock;

  void draw(Clock::time_point now) {
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double rate = elapsed > 0 ? static_cast<double>(done_) / elapsed : 0.0;
    const long eta = rate > 0 ? static_cast<long>(static_cast<double>(total_ - done_) / rate + 0.5) : 0;
    const int width = 20, filled = total_ > 0 ? static_cast<int>(width * done_ / total_) : width;
    std::string bar(static_cast<size_t>(filled), '#');
    bar.append(static_cast<size_t>(width - filled), '.');
    // "\033[K" clears what a longer previous line left on the right.
    std::printf("\r%s [%s] %ld/%ld  loss %.4g  %.1f it/s  ETA %ld:%02ld\033[K", label_.c_str(), bar.c_str(), done_,
                total_, loss_, rate, eta / 60, eta % 60);
    std::fflush(stdout);
  }

  std::string label_;
  long total_, done_ = 0;
  double loss_ = 0;
  bool tty_, finished_ = false;
  Clock::time_point start_ = Clock::now(), last_draw_ = {};
};
