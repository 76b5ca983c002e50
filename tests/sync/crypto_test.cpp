#include "crypto.hpp"

#include <catch2/catch.hpp>

#include "sync_test_support.hpp"

using crdt::sync::as_bytes;
using crdt::sync::Bytes;
using crdt::sync::constant_time_equal;
using crdt::sync::hkdf_sha256;
using crdt::sync::hmac_sha256;
using crdt::sync::test::from_hex;
using crdt::sync::test::to_hex;

TEST_CASE("crypto: HMAC-SHA256 matches RFC 4231", "[sync][crypto]") {
  SECTION("test case 1") {
    const Bytes key(20, 0x0b);
    CHECK(to_hex(hmac_sha256(key, as_bytes("Hi There"))) ==
          "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  }
  SECTION("test case 2") {
    CHECK(to_hex(hmac_sha256(as_bytes("Jefe"), as_bytes("what do ya want for nothing?"))) ==
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  }
  SECTION("test case 6: a key longer than the block size") {
    const Bytes key(131, 0xaa);
    CHECK(to_hex(hmac_sha256(key, as_bytes("Test Using Larger Than Block-Size Key - Hash Key "
                                           "First"))) ==
          "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  }
}

TEST_CASE("crypto: HMAC over parts equals HMAC over their concatenation", "[sync][crypto]") {
  const Bytes key(20, 0x0b);
  CHECK(hmac_sha256(key, {as_bytes("Hi"), as_bytes(""), as_bytes(" There")}) ==
        hmac_sha256(key, as_bytes("Hi There")));
  CHECK(hmac_sha256(key, as_bytes("Hi there")) != hmac_sha256(key, as_bytes("Hi There")));
}

TEST_CASE("crypto: HKDF-SHA256 matches RFC 5869 test case 1", "[sync][crypto]") {
  const Bytes ikm(22, 0x0b);
  const Bytes salt = from_hex("000102030405060708090a0b0c");
  const Bytes info = from_hex("f0f1f2f3f4f5f6f7f8f9");
  CHECK(to_hex(hkdf_sha256(ikm, salt, info, 42)) ==
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
}

TEST_CASE("crypto: HKDF-SHA256 matches RFC 5869 test case 3 (no salt, no info)", "[sync][crypto]") {
  const Bytes ikm(22, 0x0b);
  CHECK(to_hex(hkdf_sha256(ikm, {}, {}, 42)) ==
        "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
}

TEST_CASE("crypto: invalid arguments throw CryptoError", "[sync][crypto]") {
  CHECK_THROWS_AS(hmac_sha256({}, as_bytes("x")), crdt::sync::CryptoError);
  CHECK_THROWS_AS(hkdf_sha256(as_bytes("k"), {}, {}, 0), crdt::sync::CryptoError);
  CHECK_THROWS_AS(hkdf_sha256(as_bytes("k"), {}, {}, 255 * 32 + 1), crdt::sync::CryptoError);
}

TEST_CASE("crypto: random bytes differ between draws", "[sync][crypto]") {
  Bytes a(32);
  Bytes b(32);
  crdt::sync::random_bytes(a);
  crdt::sync::random_bytes(b);
  CHECK(a != b);
  CHECK(a != Bytes(32, 0));
}

TEST_CASE("crypto: constant-time comparison", "[sync][crypto]") {
  const Bytes a = from_hex("00112233");
  Bytes b = a;
  CHECK(constant_time_equal(a, b));
  b[3] ^= 1;
  CHECK_FALSE(constant_time_equal(a, b));
  CHECK_FALSE(constant_time_equal(a, from_hex("001122")));
  CHECK(constant_time_equal({}, {}));
}
