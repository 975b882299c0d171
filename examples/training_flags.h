#pragma once
// The command-line flags the training examples share (parsed with CLI11). Each example passes its
// own defaults (a TrainingFlags with its values); `--help` lists them.
#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <string>

struct TrainingFlags {
  int epochs = 3;
  int64_t batch_size = 200;
  double lr = 1e-3;
  uint32_t seed = 0;
  std::string out = "out";
  int64_t limit = 0;           // 0: every training example
  std::string resume;          // a checkpoint.safetensors to continue from
  bool eager = false;          // run the training step without jit (for the benchmarks)
};

// The parsed flags, or the exit code when the program should stop (--help, or a bad flag:
// CLI11 has printed the message).
struct ParsedFlags {
  TrainingFlags flags;
  std::optional<int> exit_code;
};

inline ParsedFlags parse_training_flags(int argc, char** argv, const std::string& description, TrainingFlags f) {
  CLI::App app(description);
  app.add_option("--epochs", f.epochs, "passes over the training set")->check(CLI::Range(1, 100000))->capture_default_str();
  app.add_option("--batch-size", f.batch_size, "examples per training step")->check(CLI::Range(int64_t{1}, int64_t{1} << 24))->capture_default_str();
  app.add_option("--lr", f.lr, "learning rate")->check(CLI::PositiveNumber)->capture_default_str();
  app.add_option("--seed", f.seed, "seed of the initial weights and the batch order")->capture_default_str();
  app.add_option("--out", f.out, "output folder: checkpoint, exported predictor, curves")->capture_default_str();
  app.add_option("--limit", f.limit, "use only the first N training examples (0: all)")->check(CLI::Range(int64_t{0}, int64_t{1} << 40))->capture_default_str();
  app.add_option("--resume", f.resume, "continue from this checkpoint.safetensors (model and optimizer state)")
      ->check(CLI::ExistingFile);
  app.add_flag("--eager", f.eager, "run the training step op by op, without jit");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return {f, app.exit(e)};
  }
  return {f, std::nullopt};
}
