// The fold rule: small documents fold every fold_max_deltas updates; a large one waits until its
// pending deltas are a share of its snapshot, so a keystroke does not rewrite the document.
#include <random>
#include <string>

#include <catch2/catch.hpp>

#include <crdt/persist/store.hpp>
#include <crdt/pn_counter.hpp>
#include <crdt/serialization/all.hpp>
#include <crdt/serialization/text.hpp>
#include <crdt/text.hpp>

#include "store_test_support.hpp"

using crdt::persist::Options;
using crdt::persist::Store;
using crdt::persist::Writer;
using crdt::persist::test::TempDir;
using crdt::persist::test::test_options;

TEST_CASE("fold_due: the count bound, the snapshot share and the byte bound", "[persist][fold]") {
  Options options;
  options.fold_max_deltas = 4;
  options.fold_max_bytes = 1000;
  options.fold_snapshot_divisor = 4;
  CHECK_FALSE(crdt::persist::fold_due(options, 4, 100, 0));
  CHECK(crdt::persist::fold_due(options, 5, 100, 400));
  CHECK_FALSE(crdt::persist::fold_due(options, 5, 99, 400));
  CHECK(crdt::persist::fold_due(options, 1, 1001, 1 << 20));
}

TEST_CASE("Store: a large document is not rewritten every fold_max_deltas updates",
          "[persist][fold]") {
  TempDir dir;
  const std::string file = dir.file("fold.db");
  std::mt19937 random(7);
  std::uniform_int_distribution<int> letter('a', 'z');
  std::string words(64 * 1024, ' ');
  for (char& c : words) c = static_cast<char>(letter(random));
  constexpr int kKeystrokes = 100;
  std::string expected = words;
  {
    Store store = Store::open(file, test_options());
    store.update<crdt::Text>(
        "doc", [&](crdt::Text& text, Writer& w) { return text.insert(w.replica(), 0, words); });
    for (int i = 0; i < kKeystrokes; ++i) {
      store.update<crdt::Text>("doc", [&](crdt::Text& text, Writer& w) {
        return text.insert(w.replica(), 100 + static_cast<std::size_t>(i), "k");
      });
      store.update<crdt::PNCounter>("likes", [](crdt::PNCounter& counter, Writer& w) {
        return counter.increment(w.replica());
      });
    }
    expected.insert(100, std::string(kKeystrokes, 'k'));
    // The counter folded every 65 updates; the text kept all of its keystrokes pending.
    CHECK(store.status().pending_deltas == kKeystrokes + (kKeystrokes - 1) % 65);
  }
  Store store = Store::open(file, test_options());
  CHECK(store.read<crdt::Text>("doc")->str() == expected);
  CHECK(store.read<crdt::PNCounter>("likes")->value() == kKeystrokes);
  store.fold_all();
  CHECK(store.status().pending_deltas == 0);
  CHECK(store.read<crdt::Text>("doc")->str() == expected);
}
