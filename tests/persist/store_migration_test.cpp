// Migration from every earlier schema version: a file in version 1's layout (the snapshot as the
// last column of documents) is read as it is when opened read-only, and migrated, keeping every
// document, when opened for writing.
#include <string>

#include <catch2/catch.hpp>

#include <crdt/or_set.hpp>
#include <crdt/persist/store.hpp>
#include <crdt/pn_counter.hpp>
#include <crdt/serialization/all.hpp>

#include "store_test_support.hpp"

using crdt::persist::Options;
using crdt::persist::Store;
using crdt::persist::Writer;
using crdt::persist::test::raw_exec;
using crdt::persist::test::TempDir;
using crdt::persist::test::test_options;

namespace {

// Rewrites a current store file into version 1's layout.
void downgrade_to_version_1(const std::string& file) {
  raw_exec(file,
           "BEGIN;"
           "ALTER TABLE documents ADD COLUMN snapshot BLOB;"
           "UPDATE documents SET snapshot = (SELECT snapshot FROM snapshots s "
           "WHERE s.id = documents.id);"
           "DROP TABLE snapshots;"
           "UPDATE metadata SET value = 1 WHERE key IN ('schema_version', 'min_reader_version');"
           "COMMIT;");
}

}  // namespace

TEST_CASE("Store: a version 1 file is read as it is and migrated when opened for writing",
          "[persist][schema][migration]") {
  TempDir dir;
  const std::string file = dir.file("v1.db");
  {
    Options options = test_options();
    options.fold_max_deltas = 2;  // both a folded snapshot and pending deltas to carry over
    Store store = Store::open(file, options);
    for (int i = 0; i < 4; ++i) {
      store.update<crdt::PNCounter>("likes", [](crdt::PNCounter& counter, Writer& w) {
        return counter.increment(w.replica());
      });
    }
    store.update<crdt::ORSet<std::string>>(
        "tags", [](auto& set, Writer& w) { return set.add(w.replica(), "blue"); });
  }
  downgrade_to_version_1(file);

  {
    Options read_only = test_options();
    read_only.read_only = true;
    Store store = Store::open(file, read_only);
    CHECK(store.read<crdt::PNCounter>("likes")->value() == 4);
    CHECK(store.read<crdt::ORSet<std::string>>("tags")->contains("blue"));
  }
  {
    Store store = Store::open(file, test_options());
    CHECK(store.read<crdt::PNCounter>("likes")->value() == 4);
    store.update<crdt::PNCounter>("likes", [](crdt::PNCounter& counter, Writer& w) {
      return counter.increment(w.replica());
    });
    store.update<crdt::PNCounter>(
        "new", [](crdt::PNCounter& counter, Writer& w) { return counter.increment(w.replica()); });
    store.fold_all();
    CHECK(store.integrity_check() == "ok");
  }
  Store store = Store::open(file, test_options());
  CHECK(store.read<crdt::PNCounter>("likes")->value() == 5);
  CHECK(store.read<crdt::PNCounter>("new")->value() == 1);
  CHECK(store.read<crdt::ORSet<std::string>>("tags")->contains("blue"));
}
