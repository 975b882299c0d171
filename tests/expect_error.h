#pragma once
// The project's rule for bad input, as a test: the call throws a slope::Error whose message starts
// with the op the user called ("[sort]") and says what was wrong.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "slope/error.h"

namespace slope_test {

// Expects f to throw a slope::Error whose message starts with `prefix` and contains `has`.
inline void expect_error(const std::function<void()>& f, const std::string& prefix, const std::string& has) {
  try {
    f();
    ADD_FAILURE() << "no error; expected " << prefix << " ... " << has;
  } catch (const slope::Error& e) {
    std::string w = e.what();
    EXPECT_EQ(w.rfind(prefix, 0), 0u) << w;
    EXPECT_NE(w.find(has), std::string::npos) << w;
  }
}

}  // namespace slope_test
