#include "backends/cpu/toolchain/sha256.h"

#include <openssl/evp.h>

#include "slope/error.h"

namespace slope::cpu {

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  check(ctx_ != nullptr && EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) == 1, "jit",
        "cannot initialise SHA-256 (OpenSSL)");
}

Sha256::~Sha256() { EVP_MD_CTX_free(ctx_); }

void Sha256::update(const void* data, size_t n) {
  check(EVP_DigestUpdate(ctx_, data, n) == 1, "jit", "SHA-256 update failed (OpenSSL)");
}

std::string Sha256::hex() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  check(EVP_DigestFinal_ex(ctx_, md, &len) == 1, "jit", "SHA-256 final failed (OpenSSL)");
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * len);
  for (unsigned int i = 0; i < len; ++i) {
    out += digits[md[i] >> 4];
    out += digits[md[i] & 15];
  }
  return out;
}

}  // namespace slope::cpu
