// ConnectionAdmission: the oldest stranger makes room for the newest, per address and overall;
// sessions beyond their bounds are refused; closing frees what a connection held.
#include "connection_admission.hpp"

#include <catch2/catch.hpp>

using crdt::sync::ConnectionAdmission;
using crdt::sync::ConnectionLimits;

namespace {

ConnectionLimits small_limits() {
  ConnectionLimits limits;
  limits.max_pending = 4;
  limits.max_pending_per_address = 2;
  limits.max_sessions = 3;
  limits.max_sessions_per_address = 2;
  return limits;
}

}  // namespace

TEST_CASE("admission: the host of an address, without its port", "[admission]") {
  CHECK(ConnectionAdmission::host_of("127.0.0.1:5000") == "127.0.0.1");
  CHECK(ConnectionAdmission::host_of("[::1]:5000") == "::1");
  CHECK(ConnectionAdmission::host_of("unknown") == "unknown");
}

TEST_CASE("admission: a flood from one address evicts its own oldest connections", "[admission]") {
  ConnectionAdmission admission(small_limits());
  CHECK(admission.admit(1, "10.0.0.1:1").empty());
  CHECK(admission.admit(2, "10.0.0.1:2").empty());
  const auto evicted = admission.admit(3, "10.0.0.1:3");
  REQUIRE(evicted.size() == 1);
  CHECK(evicted[0].id == 1);
  CHECK(std::string(evicted[0].limit) == "max_pending_per_address");
  // Another address is not touched by it.
  CHECK(admission.admit(4, "10.0.0.2:1").empty());
  CHECK(admission.pending() == 3);
}

TEST_CASE("admission: beyond the overall bound the oldest stranger goes", "[admission]") {
  ConnectionAdmission admission(small_limits());
  for (std::uint64_t id = 1; id <= 4; ++id) {
    CHECK(admission.admit(id, "10.0.0." + std::to_string(id) + ":1").empty());
  }
  const auto evicted = admission.admit(5, "10.0.0.9:1");
  REQUIRE(evicted.size() == 1);
  CHECK(evicted[0].id == 1);
  CHECK(std::string(evicted[0].limit) == "max_pending");
  // A finished handshake leaves the pending set: it is never evicted afterwards.
  CHECK(admission.establish(2) == nullptr);
  CHECK(admission.pending() == 3);
  for (std::uint64_t id = 6; id <= 8; ++id) {
    for (const auto& gone : admission.admit(id, "10.0.1." + std::to_string(id) + ":1")) {
      CHECK(gone.id != 2);
    }
  }
  CHECK(admission.sessions() == 1);
}

TEST_CASE("admission: sessions beyond their bounds are refused, and closing frees them",
          "[admission]") {
  ConnectionLimits limits = small_limits();
  limits.max_pending = 10;
  limits.max_pending_per_address = 10;
  ConnectionAdmission admission(limits);
  for (std::uint64_t id = 1; id <= 3; ++id) REQUIRE(admission.admit(id, "10.0.0.1:1").empty());
  CHECK(admission.establish(1) == nullptr);
  CHECK(admission.establish(2) == nullptr);
  CHECK(std::string(admission.establish(3)) == "max_sessions_per_address");
  (void)admission.admit(4, "10.0.0.2:1");
  (void)admission.admit(5, "10.0.0.3:1");
  CHECK(admission.establish(4) == nullptr);
  CHECK(std::string(admission.establish(5)) == "max_sessions");
  admission.closed(1);
  (void)admission.admit(6, "10.0.0.1:9");
  CHECK(admission.establish(6) == nullptr);
  CHECK(admission.sessions() == 3);
  // A dialed connection was never admitted: establishing it changes nothing.
  CHECK(admission.establish(99) == nullptr);
  CHECK(admission.sessions() == 3);
}
