// The code in the docs is the examples' code: a Markdown line `<!-- snippet: FILE NAME -->` must be
// followed by a ```cpp block equal to the lines of FILE (relative to the repository) between
// `// [snippet:NAME]` and `// [/snippet:NAME]`, with their common indentation removed. So a change
// to an example that the tutorial quotes fails here until the tutorial is updated too.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

const fs::path kRoot = SLOPE_TEST_SOURCE_ROOT;

std::vector<std::string> read_lines(const fs::path& p) {
  std::ifstream f(p);
  EXPECT_TRUE(f.good()) << "cannot read " << p;
  std::vector<std::string> lines;
  for (std::string line; std::getline(f, line);) lines.push_back(line);
  return lines;
}

std::string join(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += l + "\n";
  return s;
}

// The marked region of a source file, dedented; empty when the markers are missing.
std::string region(const fs::path& file, const std::string& name) {
  const std::vector<std::string> lines = read_lines(file);
  const std::string open = "// [snippet:" + name + "]", close = "// [/snippet:" + name + "]";
  auto trimmed = [](const std::string& l) { return l.substr(std::min(l.find_first_not_of(' '), l.size())); };
  auto b = std::find_if(lines.begin(), lines.end(), [&](const std::string& l) { return trimmed(l) == open; });
  auto e = std::find_if(b, lines.end(), [&](const std::string& l) { return trimmed(l) == close; });
  if (b == lines.end() || e == lines.end()) return "";
  std::vector<std::string> body(b + 1, e);
  size_t indent = std::string::npos;
  for (const auto& l : body)
    if (l.find_first_not_of(' ') != std::string::npos) indent = std::min(indent, l.find_first_not_of(' '));
  for (auto& l : body) l = l.size() >= indent ? l.substr(indent) : "";
  return join(body);
}

struct Snippet {
  std::string file, name, block;
  size_t line;
};

std::vector<Snippet> snippets(const fs::path& doc) {
  const std::vector<std::string> lines = read_lines(doc);
  std::vector<Snippet> out;
  const std::string tag = "<!-- snippet: ";
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].rfind(tag, 0) != 0) continue;
    std::istringstream words(lines[i].substr(tag.size()));
    Snippet s;
    s.line = i + 1;
    words >> s.file >> s.name;
    size_t j = i + 1;
    if (j < lines.size() && lines[j] == "```cpp") {
      std::vector<std::string> block;
      for (++j; j < lines.size() && lines[j] != "```"; ++j) block.push_back(lines[j]);
      s.block = join(block);
    }
    out.push_back(s);
  }
  return out;
}

}  // namespace

TEST(DocSnippets, TrainingTutorialQuotesTheExamplesExactly) {
  const fs::path doc = kRoot / "docs" / "training.md";
  const std::vector<Snippet> found = snippets(doc);
  EXPECT_GE(found.size(), 8u) << "docs/training.md should quote the examples through snippet markers";
  for (const Snippet& s : found) {
    SCOPED_TRACE("docs/training.md:" + std::to_string(s.line) + " quotes " + s.file + " [" + s.name + "]");
    const std::string want = region(kRoot / s.file, s.name);
    ASSERT_FALSE(want.empty()) << "no // [snippet:" << s.name << "] region in " << s.file;
    EXPECT_EQ(s.block, want) << "update the block to:\n```cpp\n" << want << "```";
  }
}
