// The cryptographic primitives the protocol needs, all computed by OpenSSL 3's libcrypto: nothing
// here is hand-written crypto, and no OpenSSL type appears in this header.
//
// Every function is thread safe and reentrant. A failure inside OpenSSL (out of memory, a broken
// provider, an exhausted entropy source) throws CryptoError: it is a fault of the machine, never of
// the bytes a peer sent, so it is not reported as a decoding error.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <stdexcept>

#include "crdt/sync/bytes.hpp"

namespace crdt::sync {

inline constexpr std::size_t kDigestSize = 32;
inline constexpr std::size_t kKeySize = 32;

// The output of HMAC-SHA256.
using Digest = std::array<std::uint8_t, kDigestSize>;
// A 256-bit symmetric key (a frame MAC key).
using Key = std::array<std::uint8_t, kKeySize>;

class CryptoError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// HMAC-SHA256 (RFC 2104) of the concatenation of `parts` under `key`; the parts are fed in order
// without being copied together. `key` must not be empty.
Digest hmac_sha256(ByteView key, std::initializer_list<ByteView> parts);
Digest hmac_sha256(ByteView key, ByteView message);

// HKDF-SHA256 (RFC 5869), extract then expand: `length` bytes (at most 255 * 32) derived from the
// input keying material `key` (not empty), an optional `salt` and an optional `info`.
Bytes hkdf_sha256(ByteView key, ByteView salt, ByteView info, std::size_t length);

// Fills `out` from OpenSSL's CSPRNG (RAND_bytes).
void random_bytes(std::span<std::uint8_t> out);

// Whether the two byte strings are equal, in time that depends only on their length
// (CRYPTO_memcmp): comparing a received MAC must not tell an attacker how many leading bytes were
// right. Lengths are public, so different lengths return false at once.
bool constant_time_equal(ByteView a, ByteView b);

}  // namespace crdt::sync
