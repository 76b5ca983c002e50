#include <filesystem>
#include <grp.h>
#include <string>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include <catch2/catch.hpp>

#include <crdt/or_set.hpp>
#include <crdt/persist/store.hpp>
#include <crdt/pn_counter.hpp>
#include <crdt/serialization/all.hpp>

#include "store_test_support.hpp"

using crdt::persist::Error;
using crdt::persist::ErrorCode;
using crdt::persist::Options;
using crdt::persist::Store;
using crdt::persist::Writer;
using crdt::persist::test::file_bytes;
using crdt::persist::test::raw_exec;
using crdt::persist::test::TempDir;
using crdt::persist::test::test_options;
using crdt::persist::test::write_file;

namespace {

ErrorCode open_error(const std::string& file, Options options = test_options()) {
  try {
    Store store = Store::open(file, options);
    store.read<crdt::PNCounter>("count");
  } catch (const Error& e) {
    CHECK(e.file() == file);
    CHECK_FALSE(e.detail().empty());
    return e.code();
  }
  FAIL("the file was accepted");
  return ErrorCode::io;
}

// A closed store of a few hundred documents, so that its file spans many pages.
void make_store(const std::string& file) {
  Store store = Store::open(file, test_options());
  store.batch([](crdt::persist::Batch& batch) {
    for (int i = 0; i < 300; ++i) {
      batch.update<crdt::ORSet<std::string>>("doc:" + std::to_string(i), [i](auto& s, Writer& w) {
        return s.add(w.replica(), std::string(200, static_cast<char>('a' + i % 26)));
      });
    }
  });
  store.update<crdt::PNCounter>("count",
                                [](auto& c, Writer& w) { return c.increment(w.replica()); });
}

constexpr uid_t kNobody = 65534;

// How opening a store for writing went, in a child process (see open_for_writing_as_unprivileged).
struct OpenOutcome {
  enum class Kind {
    refused,
    accepted,
    still_writable,
    no_privilege_drop,
    other_exception,
    crashed
  };
  Kind kind = Kind::crashed;
  ErrorCode code = ErrorCode::io;  // when refused
};

std::string describe(const OpenOutcome& outcome) {
  switch (outcome.kind) {
    case OpenOutcome::Kind::refused:
      return "refused with " + std::string(crdt::persist::to_string(outcome.code));
    case OpenOutcome::Kind::accepted:
      return "the store opened the file for writing";
    case OpenOutcome::Kind::still_writable:
      return "the child could still write the file (access(W_OK)): the test proves nothing";
    case OpenOutcome::Kind::no_privilege_drop:
      return "the child could not become nobody (setgroups/setgid/setuid failed)";
    case OpenOutcome::Kind::other_exception:
      return "an exception other than crdt::persist::Error, or an Error without file or detail";
    case OpenOutcome::Kind::crashed:
      return "the child did not exit normally";
  }
  return "?";
}

// Opens `file` for writing in a child process, which first drops to uid/gid nobody when it runs
// as root. The exit status carries the outcome: 0-63 an Error's code, 64 and up the other kinds.
OpenOutcome open_for_writing_as_unprivileged(const std::string& file) {
  constexpr int kAccepted = 64, kStillWritable = 65, kNoDrop = 66, kOther = 67;
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (::geteuid() == 0 &&
        (::setgroups(0, nullptr) != 0 || ::setgid(kNobody) != 0 || ::setuid(kNobody) != 0)) {
      ::_exit(kNoDrop);
    }
    if (::access(file.c_str(), W_OK) == 0) ::_exit(kStillWritable);
    try {
      Store store = Store::open(file, test_options());
      store.read<crdt::PNCounter>("count");
    } catch (const Error& e) {
      if (e.file() != file || e.detail().empty()) ::_exit(kOther);
      ::_exit(static_cast<int>(e.code()));
    } catch (...) {
      ::_exit(kOther);
    }
    ::_exit(kAccepted);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  OpenOutcome outcome;
  if (!WIFEXITED(status)) return outcome;
  const int code = WEXITSTATUS(status);
  if (code < kAccepted) {
    outcome.kind = OpenOutcome::Kind::refused;
    outcome.code = static_cast<ErrorCode>(code);
  } else if (code == kAccepted) {
    outcome.kind = OpenOutcome::Kind::accepted;
  } else if (code == kStillWritable) {
    outcome.kind = OpenOutcome::Kind::still_writable;
  } else if (code == kNoDrop) {
    outcome.kind = OpenOutcome::Kind::no_privilege_drop;
  } else {
    outcome.kind = OpenOutcome::Kind::other_exception;
  }
  return outcome;
}

}  // namespace

TEST_CASE("Store: a file that is not a database is refused and left as it was",
          "[persist][schema][errors]") {
  TempDir dir;
  const std::string file = dir.file("notes.txt");
  write_file(file, std::string(4096, 'x') + "this is not a database");
  const auto before = file_bytes(file);
  CHECK(open_error(file) == ErrorCode::not_a_database);
  CHECK(file_bytes(file) == before);
  CHECK_FALSE(std::filesystem::exists(file + "-wal"));
}

TEST_CASE("Store: a SQLite database of another application is refused",
          "[persist][schema][errors]") {
  TempDir dir;
  const std::string file = dir.file("other.db");
  raw_exec(file, "CREATE TABLE things(x); INSERT INTO things VALUES (1);");
  const auto before = file_bytes(file);
  CHECK(open_error(file) == ErrorCode::not_a_database);
  CHECK(file_bytes(file) == before);
}

TEST_CASE("Store: a truncated file is refused", "[persist][schema][errors]") {
  TempDir dir;
  const std::string file = dir.file("app.db");
  make_store(file);
  const auto size = std::filesystem::file_size(file);
  REQUIRE(size > 16 * 4096);
  SECTION("cut in the middle") {
    std::filesystem::resize_file(file, size / 2);
    const auto before = file_bytes(file);
    const ErrorCode code = open_error(file);
    CHECK((code == ErrorCode::storage_corrupt || code == ErrorCode::not_a_database));
    CHECK(file_bytes(file) == before);
  }
  SECTION("cut inside the header") {
    std::filesystem::resize_file(file, 50);
    const auto before = file_bytes(file);
    const ErrorCode code = open_error(file);
    CHECK((code == ErrorCode::storage_corrupt || code == ErrorCode::not_a_database));
    CHECK(file_bytes(file) == before);
  }
}

TEST_CASE("Store: a file of a newer schema is refused and left as it was",
          "[persist][schema][errors]") {
  TempDir dir;
  const std::string file = dir.file("app.db");
  make_store(file);
  SECTION("that this version cannot read") {
    raw_exec(file,
             "UPDATE metadata SET value = 99 WHERE key IN ('schema_version', "
             "'min_reader_version')");
    const auto before = file_bytes(file);
    CHECK(open_error(file) == ErrorCode::newer_schema);
    Options read_only = test_options();
    read_only.read_only = true;
    CHECK(open_error(file, read_only) == ErrorCode::newer_schema);
    CHECK(file_bytes(file) == before);
  }
  SECTION("that this version could read but must not write") {
    raw_exec(file, "UPDATE metadata SET value = 3 WHERE key = 'schema_version'");
    CHECK(open_error(file) == ErrorCode::newer_schema);
    Options read_only = test_options();
    read_only.read_only = true;
    Store store = Store::open(file, read_only);
    CHECK(store.read<crdt::PNCounter>("count")->value() == 1);
  }
}

TEST_CASE("Store: a read-only store reads and refuses every write", "[persist][schema][errors]") {
  // Tests may run as root, where file permissions do not stop writes; the read_only option opens
  // the file with SQLITE_OPEN_READONLY, which stops them for everyone.
  TempDir dir;
  const std::string file = dir.file("app.db");
  make_store(file);
  const auto before = file_bytes(file);
  Options options = test_options();
  options.read_only = true;
  Store store = Store::open(file, options);
  CHECK(store.read<crdt::PNCounter>("count")->value() == 1);
  CHECK(store.list().size() == 301);
  try {
    store.update<crdt::PNCounter>("count",
                                  [](auto& c, Writer& w) { return c.increment(w.replica()); });
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::read_only);
  }
  CHECK_THROWS_AS(store.replication().acknowledge(crdt::ReplicaId(7), 1), Error);
  CHECK(store.read<crdt::PNCounter>("count")->value() == 1);
  store.close();
  CHECK(file_bytes(file) == before);

  SECTION("a missing file is not created") {
    CHECK_THROWS_AS(Store::open(dir.file("missing.db"), options), Error);
    CHECK_FALSE(std::filesystem::exists(dir.file("missing.db")));
  }
}

TEST_CASE("Store: a file the process cannot write is refused for writing",
          "[persist][schema][errors]") {
  TempDir dir;
  const std::string file = dir.file("app.db");
  make_store(file);
  const std::vector<char> before = file_bytes(file);
  // Root writes whatever the permissions say, so as root the opening runs in a child that
  // becomes `nobody`, owning the directory and the file as the test's user otherwise would.
  if (::geteuid() == 0) {
    REQUIRE(::chown(dir.path().c_str(), kNobody, kNobody) == 0);
    REQUIRE(::chown(file.c_str(), kNobody, kNobody) == 0);
  }
  std::filesystem::permissions(file, std::filesystem::perms::owner_read);
  const OpenOutcome outcome = open_for_writing_as_unprivileged(file);
  INFO(describe(outcome));
  CHECK(outcome.kind == OpenOutcome::Kind::refused);
  CHECK(outcome.code == ErrorCode::read_only);
  std::filesystem::permissions(file, std::filesystem::perms::owner_all);
  CHECK(file_bytes(file) == before);
}

TEST_CASE("Store: a full disk is an error that changes nothing", "[persist][schema][errors]") {
  TempDir dir;
  const std::string file = dir.file("app.db");
  make_store(file);
  const auto pages = std::filesystem::file_size(file) / 4096;
  Options options = test_options();
  options.max_pages = pages + 2;
  Store store = Store::open(file, options);
  const std::string big(64 * 1024, 'z');
  try {
    store.update<crdt::ORSet<std::string>>(
        "doc:1", [&](auto& s, Writer& w) { return s.add(w.replica(), big); });
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::storage_full);
  }
  CHECK(store.read<crdt::ORSet<std::string>>("doc:1")->size() == 1);
  store.update<crdt::PNCounter>("count",
                                [](auto& c, Writer& w) { return c.increment(w.replica()); });
  CHECK(store.read<crdt::PNCounter>("count")->value() == 2);
  CHECK(store.integrity_check() == "ok");
}

TEST_CASE("Store: a busy file is reported as storage_busy", "[persist][schema][errors]") {
  TempDir dir;
  const std::string file = dir.file("app.db");
  make_store(file);
  Options options = test_options();
  options.busy_timeout = std::chrono::milliseconds(50);
  Store first = Store::open(file, options);
  Store second = Store::open(file, options);
  try {
    first.batch([&](crdt::persist::Batch& batch) {
      batch.update<crdt::PNCounter>("count",
                                    [](auto& c, Writer& w) { return c.increment(w.replica()); });
      second.update<crdt::PNCounter>("count",
                                     [](auto& c, Writer& w) { return c.increment(w.replica()); });
    });
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::storage_busy);
  }
  CHECK(second.read<crdt::PNCounter>("count")->value() == 1);
}
