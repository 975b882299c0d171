#pragma once
// SLOPE_SKIP(reason): skip the running test, unless the run demands that everything runs.
//
// A skipped test passes in ctest's eyes, so a missing tool, package or backend would silently turn
// checks off. With SLOPE_NO_SKIP=1 (set by .ci/run in every stage) a skip FAILS the test instead,
// except for the tests that stage allows to skip: SLOPE_ALLOW_SKIP holds ':'-separated gtest-style
// patterns ('*' and '?') matched against the full test name (Suite.Name, Prefix/Suite.Name/param),
// e.g. the cpu-only tests in the reference-only stage. Use SLOPE_SKIP instead of GTEST_SKIP.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace slope_test {

inline bool glob_match(const char* pat, const char* s) {
  if (*pat == '\0') return *s == '\0';
  if (*pat == '*') return glob_match(pat + 1, s) || (*s != '\0' && glob_match(pat, s + 1));
  return *s != '\0' && (*pat == '?' || *pat == *s) && glob_match(pat + 1, s + 1);
}

// The running test's full name, as gtest's filters see it.
inline std::string current_test_name() {
  const testing::TestInfo* t = testing::UnitTest::GetInstance()->current_test_info();
  return t ? std::string(t->test_suite_name()) + "." + t->name() : std::string();
}

// Whether SLOPE_ALLOW_SKIP lists the running test.
inline bool skip_allowed() {
  const char* allow = std::getenv("SLOPE_ALLOW_SKIP");
  const std::string name = current_test_name();
  std::string list = allow ? allow : "";
  size_t start = 0;
  while (start <= list.size()) {
    size_t end = list.find(':', start);
    if (end == std::string::npos) end = list.size();
    const std::string pat = list.substr(start, end - start);
    if (!pat.empty() && glob_match(pat.c_str(), name.c_str())) return true;
    start = end + 1;
  }
  return false;
}

// A skip is a failure when SLOPE_NO_SKIP=1 and SLOPE_ALLOW_SKIP does not list the test.
inline bool skip_is_failure() {
  const char* no_skip = std::getenv("SLOPE_NO_SKIP");
  return no_skip && std::string(no_skip) == "1" && !skip_allowed();
}

}  // namespace slope_test

#define SLOPE_SKIP(reason)                                                                            \
  do {                                                                                                \
    const std::string slope_skip_reason_ = (reason);                                                  \
    if (::slope_test::skip_is_failure()) {                                                            \
      FAIL() << "would skip (" << slope_skip_reason_ << "), but SLOPE_NO_SKIP=1 and SLOPE_ALLOW_SKIP " \
             << "does not list " << ::slope_test::current_test_name();                               \
    }                                                                                                 \
    GTEST_SKIP() << slope_skip_reason_;                                                               \
  } while (0)
