#pragma once
// SHA-256 (OpenSSL's libcrypto) for the jit cache: entry keys and the checksums of entries.
#include <cstddef>
#include <string>

struct evp_md_ctx_st;

namespace slope::cpu {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(const void* data, size_t n);
  void update(const std::string& s) { update(s.data(), s.size()); }
  // A field followed by a separator, so that ("ab", "c") and ("a", "bc") hash differently.
  void field(const std::string& s) {
    update(s);
    update("\0", 1);
  }
  std::string hex();  // lowercase hex digest; ends the hash

 private:
  evp_md_ctx_st* ctx_;
};

}  // namespace slope::cpu
