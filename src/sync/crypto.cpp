#include "crypto.hpp"

#include <memory>

#include <climits>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

namespace crdt::sync {
namespace {

// OpenSSL's parameter API takes non-const pointers even for inputs it only reads.
void* mutable_data(ByteView bytes) { return const_cast<std::uint8_t*>(bytes.data()); }

struct MacDeleter {
  void operator()(EVP_MAC* mac) const { EVP_MAC_free(mac); }
  void operator()(EVP_MAC_CTX* context) const { EVP_MAC_CTX_free(context); }
  void operator()(EVP_KDF* kdf) const { EVP_KDF_free(kdf); }
  void operator()(EVP_KDF_CTX* context) const { EVP_KDF_CTX_free(context); }
};

// Fetching an algorithm searches the provider tables; the result is immutable and may be shared by
// every thread, so it is fetched once. It lives until exit on purpose (still reachable, not a
// leak).
EVP_MAC* hmac_algorithm() {
  static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (mac == nullptr) throw CryptoError("crdt::sync: OpenSSL has no HMAC");
  return mac;
}

EVP_KDF* hkdf_algorithm() {
  static EVP_KDF* const kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  if (kdf == nullptr) throw CryptoError("crdt::sync: OpenSSL has no HKDF");
  return kdf;
}

// OSSL_PARAM wants a mutable string even for a name it only reads.
char* sha256_name() { return const_cast<char*>("SHA256"); }

}  // namespace

Digest hmac_sha256(ByteView key, std::initializer_list<ByteView> parts) {
  if (key.empty()) throw CryptoError("crdt::sync: HMAC key is empty");
  std::unique_ptr<EVP_MAC_CTX, MacDeleter> context(EVP_MAC_CTX_new(hmac_algorithm()));
  if (!context) throw CryptoError("crdt::sync: EVP_MAC_CTX_new failed");
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, sha256_name(), 0),
      OSSL_PARAM_construct_end(),
  };
  if (EVP_MAC_init(context.get(), key.data(), key.size(), params) != 1) {
    throw CryptoError("crdt::sync: HMAC init failed");
  }
  for (ByteView part : parts) {
    if (!part.empty() && EVP_MAC_update(context.get(), part.data(), part.size()) != 1) {
      throw CryptoError("crdt::sync: HMAC update failed");
    }
  }
  Digest digest{};
  std::size_t written = 0;
  if (EVP_MAC_final(context.get(), digest.data(), &written, digest.size()) != 1 ||
      written != digest.size()) {
    throw CryptoError("crdt::sync: HMAC final failed");
  }
  return digest;
}

Digest hmac_sha256(ByteView key, ByteView message) { return hmac_sha256(key, {message}); }

Bytes hkdf_sha256(ByteView key, ByteView salt, ByteView info, std::size_t length) {
  if (key.empty()) throw CryptoError("crdt::sync: HKDF key is empty");
  if (length == 0 || length > 255 * kDigestSize) {
    throw CryptoError("crdt::sync: HKDF output length out of range");
  }
  std::unique_ptr<EVP_KDF_CTX, MacDeleter> context(EVP_KDF_CTX_new(hkdf_algorithm()));
  if (!context) throw CryptoError("crdt::sync: EVP_KDF_CTX_new failed");
  OSSL_PARAM params[5];
  std::size_t count = 0;
  params[count++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, sha256_name(), 0);
  params[count++] =
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, mutable_data(key), key.size());
  // An absent salt means HashLen zero bytes (RFC 5869 2.2), which is also OpenSSL's default.
  if (!salt.empty()) {
    params[count++] =
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, mutable_data(salt), salt.size());
  }
  if (!info.empty()) {
    params[count++] =
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, mutable_data(info), info.size());
  }
  params[count] = OSSL_PARAM_construct_end();
  Bytes out(length);
  if (EVP_KDF_derive(context.get(), out.data(), out.size(), params) != 1) {
    throw CryptoError("crdt::sync: HKDF derive failed");
  }
  return out;
}

void random_bytes(std::span<std::uint8_t> out) {
  // RAND_bytes takes an int count; fill in slices so any span size works.
  while (!out.empty()) {
    const std::size_t slice = out.size() < INT_MAX ? out.size() : INT_MAX;
    if (RAND_bytes(out.data(), static_cast<int>(slice)) != 1) {
      throw CryptoError("crdt::sync: RAND_bytes failed");
    }
    out = out.subspan(slice);
  }
}

bool constant_time_equal(ByteView a, ByteView b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace crdt::sync
