#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <crdt/or_set.hpp>
#include <crdt/persist/store.hpp>
#include <crdt/pn_counter.hpp>
#include <crdt/serialization/all.hpp>

#include "store_test_support.hpp"

using crdt::persist::Options;
using crdt::persist::Store;
using crdt::persist::Writer;
using crdt::persist::test::TempDir;
using crdt::persist::test::test_options;

namespace {

void add(Store& store, const std::string& doc, const std::string& element) {
  store.update<crdt::ORSet<std::string>>(
      doc, [&](auto& set, Writer& w) { return set.add(w.replica(), element); });
}

// named("e", i) trips a false -Wrestrict in g++ 12 at -O2; append instead.
std::string named(std::string prefix, int i) {
  prefix += std::to_string(i);
  return prefix;
}

std::vector<std::uint64_t> seqs(const std::vector<crdt::persist::LogEntry>& entries) {
  std::vector<std::uint64_t> out;
  for (const auto& entry : entries) out.push_back(entry.seq);
  return out;
}

}  // namespace

TEST_CASE("Store: deltas_since returns the log in order, from a seq, with a limit",
          "[persist][log]") {
  TempDir dir;
  Store store = Store::open(dir.file("a.db"), test_options());
  for (int i = 0; i < 5; ++i) add(store, "doc", named("e", i));
  const auto all = store.replication().deltas_since(0);
  REQUIRE(seqs(all) == std::vector<std::uint64_t>{1, 2, 3, 4, 5});
  CHECK(all[0].document == "doc");
  CHECK(all[0].type == "orset<string>");
  CHECK(all[0].origin == store.replica());
  const auto delta = crdt::serialization::decode<crdt::ORSet<std::string>>(all[2].delta);
  REQUIRE(delta.has_value());
  CHECK(delta.value().value() == std::vector<std::string>{"e2"});
  CHECK(seqs(store.replication().deltas_since(3)) == std::vector<std::uint64_t>{4, 5});
  CHECK(seqs(store.replication().deltas_since(1, 2)) == std::vector<std::uint64_t>{2, 3});
  CHECK(store.replication().deltas_since(5).empty());
}

TEST_CASE("Store: acknowledgements truncate the log, never past a pending delta",
          "[persist][log]") {
  TempDir dir;
  Options options = test_options();
  options.fold_max_deltas = 1000;  // nothing folds unless asked
  Store store = Store::open(dir.file("a.db"), options);
  for (int i = 0; i < 6; ++i) add(store, "doc", named("e", i));
  const crdt::ReplicaId peer_a(101);
  const crdt::ReplicaId peer_b(202);

  SECTION("no peer known: nothing is dropped") {
    CHECK(store.replication().truncate_log() == 0);
    CHECK(store.status().log_entries == 6);
  }
  SECTION("every known peer must acknowledge") {
    store.fold_all();
    store.replication().acknowledge(peer_b, 0);
    store.replication().acknowledge(peer_a, 4);
    CHECK(store.replication().deltas_since(0).size() == 6);
    store.replication().acknowledge(peer_b, 2);
    CHECK(seqs(store.replication().deltas_since(0)) == std::vector<std::uint64_t>{3, 4, 5, 6});
    store.replication().acknowledge(peer_b, 5);
    store.replication().acknowledge(peer_b, 1);  // never moves backwards
    CHECK(seqs(store.replication().deltas_since(0)) == std::vector<std::uint64_t>{5, 6});
    const auto peers = store.replication().peers();
    REQUIRE(peers.size() == 2);
    CHECK(peers[0].id == peer_a);
    CHECK(peers[0].acknowledged == 4);
    CHECK(peers[1].acknowledged == 5);
    CHECK(store.status().truncated_through == 4);
  }
  SECTION("deltas not yet folded into their document stay") {
    // The first three are the document's first state and pending deltas: only the first
    // (written whole as the new document's snapshot) is not pending.
    store.replication().acknowledge(peer_a, 6);
    CHECK(seqs(store.replication().deltas_since(0)) == std::vector<std::uint64_t>{2, 3, 4, 5, 6});
    CHECK(store.status().pending_deltas == 5);
    store.fold_all();
    CHECK(store.status().pending_deltas == 0);
    CHECK(store.replication().truncate_log() == 5);
    CHECK(store.replication().deltas_since(0).empty());
    CHECK(store.read<crdt::ORSet<std::string>>("doc")->size() == 6);
    add(store, "doc", "later");
    CHECK(seqs(store.replication().deltas_since(0)) ==
          std::vector<std::uint64_t>{7});  // seqs never reused
  }
}

TEST_CASE("Store: retention bounds drop old entries without any acknowledgement",
          "[persist][log]") {
  TempDir dir;
  std::uint64_t now = 1'000'000;
  Options options = test_options();
  options.fold_max_deltas = 0;  // fold on every update: nothing stays pending
  options.time_source = [&now] { return now; };
  SECTION("by age") {
    options.log_max_age = std::chrono::milliseconds(1000);
    Store store = Store::open(dir.file("a.db"), options);
    add(store, "doc", "old");
    now += 5000;
    add(store, "doc", "new");
    CHECK(store.replication().truncate_log() == 1);
    CHECK(seqs(store.replication().deltas_since(0)) == std::vector<std::uint64_t>{2});
    CHECK(store.status().truncated_through == 1);
  }
  SECTION("by bytes") {
    Store store = Store::open(dir.file("b.db"), options);
    for (int i = 0; i < 10; ++i) add(store, "doc", named(std::string(100, 'a'), i));
    const auto bytes = store.status().log_bytes;
    store.close();
    options.log_max_bytes = bytes / 2;
    Store bounded = Store::open(dir.file("b.db"), options);
    CHECK(bounded.replication().truncate_log() >= 5);
    CHECK(bounded.status().log_bytes <= bytes / 2);
    CHECK(bounded.replication().deltas_since(0).back().seq == 10);
  }
}

TEST_CASE("Store: retention by age keeps deltas not yet folded into their document",
          "[persist][log]") {
  TempDir dir;
  std::uint64_t now = 1'000'000;
  Options options = test_options();
  options.fold_max_deltas = 1000;  // nothing folds unless asked
  options.log_max_age = std::chrono::milliseconds(1000);
  options.time_source = [&now] { return now; };
  Store store = Store::open(dir.file("a.db"), options);
  for (int i = 0; i < 4; ++i) add(store, "doc", named("old", i));
  now += 5000;
  add(store, "doc", "new");
  // Seq 1 became the new document's snapshot; 2-4 are as old but still pending, and 5 is young.
  REQUIRE(store.status().pending_deltas == 4);
  CHECK(store.replication().truncate_log() == 1);
  CHECK(seqs(store.replication().deltas_since(0)) == std::vector<std::uint64_t>{2, 3, 4, 5});
  CHECK(store.status().truncated_through == 1);
  store.fold_all();
  CHECK(store.replication().truncate_log() == 3);
  CHECK(seqs(store.replication().deltas_since(0)) == std::vector<std::uint64_t>{5});
  CHECK(store.status().truncated_through == 4);
  CHECK(store.read<crdt::ORSet<std::string>>("doc")->size() == 5);
}

TEST_CASE("Store: compaction joins a document's deltas at the newest seq", "[persist][log]") {
  TempDir dir;
  Store store = Store::open(dir.file("a.db"), test_options());
  for (int i = 0; i < 4; ++i) add(store, "a", named("x", i));
  add(store, "b", "only");
  for (int i = 0; i < 3; ++i) {
    store.update<crdt::PNCounter>("c", [](auto& c, Writer& w) { return c.increment(w.replica()); });
  }
  CHECK(store.replication().compact_log() == 5);
  const auto entries = store.replication().deltas_since(0);
  REQUIRE(seqs(entries) == std::vector<std::uint64_t>{4, 5, 8});
  const auto joined = crdt::serialization::decode<crdt::ORSet<std::string>>(entries[0].delta);
  REQUIRE(joined.has_value());
  CHECK(joined.value() == *store.read<crdt::ORSet<std::string>>("a"));
  const auto counter = crdt::serialization::decode<crdt::PNCounter>(entries[2].delta);
  CHECK(counter.value().value() == 3);
  // A peer that starts over from the compacted log reaches the same states.
  TempDir other_dir;
  Store other = Store::open(other_dir.file("b.db"), test_options());
  for (const auto& entry : entries) {
    CHECK(other.replication()
              .merge_remote(entry.document, entry.type, entry.delta, entry.origin)
              .changed);
  }
  CHECK(other.read<crdt::ORSet<std::string>>("a") == store.read<crdt::ORSet<std::string>>("a"));
  CHECK(other.read<crdt::PNCounter>("c")->value() == 3);
}

TEST_CASE("Store: a compacted entry keeps its common origin; mixed origins become this replica",
          "[persist][log]") {
  // A peer never gets back the entries whose origin is itself (no echo): an entry that holds
  // other replicas' deltas too must not carry that peer's id.
  TempDir dir;
  Store store = Store::open(dir.file("a.db"), test_options());
  Store remote = Store::open(dir.file("b.db"), test_options());
  add(remote, "theirs", "r0");
  add(remote, "theirs", "r1");
  add(store, "mixed", "local");
  add(remote, "mixed", "remote");  // the newest of "mixed" is the remote one
  add(store, "ours", "l0");
  add(store, "ours", "l1");
  for (const auto& entry : remote.replication().deltas_since(0)) {
    REQUIRE(store.replication()
                .merge_remote(entry.document, entry.type, entry.delta, remote.replica())
                .changed);
  }
  // The log: mixed(local) 1, ours 2, ours 3, theirs 4, theirs 5, mixed(remote) 6.
  REQUIRE(seqs(store.replication().deltas_since(0)) ==
          std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6});
  CHECK(store.replication().compact_log() == 3);
  const auto entries = store.replication().deltas_since(0);
  REQUIRE(seqs(entries) == std::vector<std::uint64_t>{3, 5, 6});
  CHECK(entries[0].document == "ours");
  CHECK(entries[0].origin == store.replica());
  CHECK(entries[1].document == "theirs");
  CHECK(entries[1].origin == remote.replica());
  CHECK(entries[2].document == "mixed");
  CHECK(entries[2].origin == store.replica());
  const auto joined = crdt::serialization::decode<crdt::ORSet<std::string>>(entries[2].delta);
  REQUIRE(joined.has_value());
  CHECK(joined.value().value() == std::vector<std::string>{"local", "remote"});
}

TEST_CASE("Store: hints are kept per target until dropped", "[persist][hints]") {
  TempDir dir;
  const std::string file = dir.file("a.db");
  const crdt::ReplicaId target(77);
  std::uint64_t first = 0;
  {
    Store store = Store::open(file, test_options());
    first = store.replication().add_hint(target, "doc", "pncounter",
                                         std::vector<std::uint8_t>{1, 2, 3});
    store.replication().add_hint(target, "doc2", "ccounter", std::vector<std::uint8_t>{4});
    store.replication().add_hint(crdt::ReplicaId(78), "doc", "pncounter",
                                 std::vector<std::uint8_t>{5});
  }
  Store store = Store::open(file, test_options());
  auto hints = store.replication().hints_for(target);
  REQUIRE(hints.size() == 2);
  CHECK(hints[0].id == first);
  CHECK(hints[0].document == "doc");
  CHECK(hints[0].type == "pncounter");
  CHECK(hints[0].delta == std::vector<std::uint8_t>{1, 2, 3});
  CHECK(hints[1].document == "doc2");
  store.replication().drop_hint(first);
  hints = store.replication().hints_for(target);
  REQUIRE(hints.size() == 1);
  CHECK(hints[0].document == "doc2");
  CHECK(store.replication().hints_for(crdt::ReplicaId(78)).size() == 1);
  CHECK(store.status().hints == 2);
}

TEST_CASE("Store: many peers' acknowledgements at once, and truncation in bounded steps",
          "[persist][log]") {
  TempDir dir;
  Options options = test_options();
  options.fold_max_deltas = 0;  // nothing stays pending
  Store store = Store::open(dir.file("a.db"), options);
  for (int i = 0; i < 10; ++i) add(store, named("doc", i), "x");
  const crdt::ReplicaId a(101), b(102), c(103);
  const std::vector<crdt::persist::Acknowledgement> first{{a, 7}, {b, 9}, {c, 8}};
  // The least acknowledged (7) bounds it; three per step.
  CHECK(store.replication().acknowledge(first, 3) == 3);
  CHECK(seqs(store.replication().deltas_since(0)) ==
        std::vector<std::uint64_t>{4, 5, 6, 7, 8, 9, 10});
  CHECK(store.status().truncated_through == 3);
  CHECK(store.replication().truncate_log(3) == 3);
  CHECK(store.replication().truncate_log(3) == 1);  // fewer than a step: done
  CHECK(store.replication().truncate_log(3) == 0);
  CHECK(seqs(store.replication().deltas_since(0)) == std::vector<std::uint64_t>{8, 9, 10});
  CHECK(store.status().truncated_through == 7);
  const auto peers = store.replication().peers();
  REQUIRE(peers.size() == 3);
  CHECK(peers[0].acknowledged == 7);
  CHECK(peers[1].acknowledged == 9);
  CHECK(peers[2].acknowledged == 8);
  // Never backwards, and one transaction for all of them.
  const std::vector<crdt::persist::Acknowledgement> second{{a, 10}, {b, 2}};
  CHECK(store.replication().acknowledge(second, 100) == 1);  // 8: c's, the least now
  CHECK(store.replication().peers()[1].acknowledged == 9);
  CHECK(store.replication().acknowledge(std::vector<crdt::persist::Acknowledgement>{{c, 10}},
                                        100) == 1);  // b's 9 bounds it now
  CHECK(seqs(store.replication().deltas_since(0)) == std::vector<std::uint64_t>{10});
}
