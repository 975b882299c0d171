// The .npy header: a Python dict literal, parsed strictly (only what numpy writes: three keys,
// strings, True/False and a tuple of integers), never evaluated.
#include "io/npy_header.h"

#include <set>

namespace slope::io {

namespace {
class Literal {
 public:
  Literal(const InputFile& file, std::string_view text) : file_(file), s_(text) {}

  NpyHeader dict() {
    NpyHeader h;
    std::set<std::string> keys;
    expect('{');
    while (!peek('}')) {
      std::string key = string();
      if (!keys.insert(key).second) fail("duplicate key '", key, "'");
      expect(':');
      if (key == "descr") {
        if (peek('[')) fail("structured dtypes (a list in 'descr') are not supported");
        h.descr = string();
      } else if (key == "fortran_order") {
        h.fortran_order = boolean();
      } else if (key == "shape") {
        h.shape = tuple();
      } else {
        fail("unexpected key '", key, "'");
      }
      if (!accept(',')) break;
    }
    expect('}');
    skip_space();
    if (at_ < s_.size()) fail("unexpected text after the dict at byte ", at_);
    for (const char* k : {"descr", "fortran_order", "shape"})
      if (!keys.count(k)) fail("the key '", k, "' is missing");
    return h;
  }

 private:
  template <class... Args>
  [[noreturn]] void fail(Args&&... args) const {
    file_.fail("header ", std::forward<Args>(args)...);
  }
  void skip_space() {
    while (at_ < s_.size() && (s_[at_] == ' ' || s_[at_] == '\n' || s_[at_] == '\t' || s_[at_] == '\r')) ++at_;
  }
  bool peek(char c) {
    skip_space();
    return at_ < s_.size() && s_[at_] == c;
  }
  bool accept(char c) {
    if (!peek(c)) return false;
    ++at_;
    return true;
  }
  void expect(char c) {
    if (!accept(c)) fail("expected '", c, "' at byte ", at_);
  }
  std::string string() {
    skip_space();
    if (at_ >= s_.size() || (s_[at_] != '\'' && s_[at_] != '"')) fail("expected a quoted string at byte ", at_);
    const char quote = s_[at_++];
    size_t end = s_.find(quote, at_);
    if (end == std::string_view::npos) fail("unterminated string");
    std::string out(s_.substr(at_, end - at_));
    if (out.find_first_of("\\\n") != std::string::npos) fail("escapes in strings are not supported");
    at_ = end + 1;
    return out;
  }
  bool boolean() {
    skip_space();
    for (auto [word, value] : {std::pair{"True", true}, std::pair{"False", false}}) {
      std::string_view w(word);
      if (s_.substr(at_, w.size()) == w) {
        at_ += w.size();
        return value;
      }
    }
    fail("expected True or False at byte ", at_);
  }
  int64_t integer() {
    skip_space();
    if (at_ >= s_.size() || s_[at_] < '0' || s_[at_] > '9') fail("expected a non-negative integer at byte ", at_);
    int64_t v = 0;
    while (at_ < s_.size() && s_[at_] >= '0' && s_[at_] <= '9') {
      if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, s_[at_] - '0', &v)) fail("a dimension is too large");
      ++at_;
    }
    if (at_ < s_.size() && s_[at_] == 'L') ++at_;  // Python 2 longs, in files from old numpy
    return v;
  }
  // (), (3,), (3, 4), (3, 4,): a one-element tuple needs its comma, as in Python.
  Shape tuple() {
    expect('(');
    Shape shape;
    bool trailing_comma = false;
    while (!peek(')')) {
      shape.push_back(integer());
      trailing_comma = accept(',');
      if (!trailing_comma) break;
    }
    expect(')');
    if (shape.size() == 1 && !trailing_comma) fail("'shape' must be a tuple, got a parenthesised number");
    return shape;
  }

  const InputFile& file_;
  std::string_view s_;
  size_t at_ = 0;
};
}  // namespace

NpyHeader parse_npy_header(const InputFile& file, std::string_view text) { return Literal(file, text).dict(); }

}  // namespace slope::io
