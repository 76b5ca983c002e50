// DigestIndex: summaries that agree exactly when the documents agree, and a tree whose nodes
// partition the documents.
#include "digest_index.hpp"

#include <string>

#include <catch2/catch.hpp>

using namespace crdt::sync;

namespace {

DigestIndex index_of(int documents, int changed_every = 0) {
  DigestIndex index;
  for (int i = 0; i < documents; ++i) {
    const std::string id = "doc/" + std::to_string(i);
    const std::string context = (changed_every > 0 && i % changed_every == 0) ? "new" : "old";
    index.put(id, "pncounter", DigestIndex::hash_of(id, "pncounter", as_bytes(context)));
  }
  return index;
}

}  // namespace

TEST_CASE("digest hashes cover id, type and context", "[sync][digest]") {
  const auto base = DigestIndex::hash_of("a", "t", as_bytes("ctx"));
  CHECK(base == DigestIndex::hash_of("a", "t", as_bytes("ctx")));
  CHECK(base != DigestIndex::hash_of("b", "t", as_bytes("ctx")));
  CHECK(base != DigestIndex::hash_of("a", "u", as_bytes("ctx")));
  CHECK(base != DigestIndex::hash_of("a", "t", as_bytes("ctx2")));
  // Boundaries between the fields matter.
  CHECK(DigestIndex::hash_of("ab", "c", {}) != DigestIndex::hash_of("a", "bc", {}));
}

TEST_CASE("digest summaries agree exactly on equal documents", "[sync][digest]") {
  const DigestIndex a = index_of(1000);
  const DigestIndex b = index_of(1000);
  const DigestIndex c = index_of(1000, 100);
  const PrefixFilter all;
  CHECK(a.summary(0, 0, all) == b.summary(0, 0, all));
  CHECK(a.summary(0, 0, all) != c.summary(0, 0, all));
  CHECK(a.summary(0, 0, all).documents == 1000);
}

TEST_CASE("digest children partition their node", "[sync][digest]") {
  const DigestIndex index = index_of(5000);
  const PrefixFilter all;
  const auto root = index.summary(0, 0, all);
  const auto children = index.children(0, 0, all);
  DigestSummary sum;
  for (unsigned i = 0; i < kDigestFanout; ++i) {
    sum.documents += children[i].documents;
    sum.hash += children[i].hash;
    CHECK(index.summary(1, DigestIndex::child_prefix(0, 0, i), all) == children[i]);
    CHECK(children[i].documents > 200);  // the keys spread evenly
  }
  CHECK(sum == root);
  const auto grandchildren = index.children(1, DigestIndex::child_prefix(0, 0, 3), all);
  std::uint64_t count = 0;
  for (const auto& child : grandchildren) count += child.documents;
  CHECK(count == children[3].documents);
}

TEST_CASE("digest nodes honour the prefix filter", "[sync][digest]") {
  DigestIndex index;
  index.put("user1/a", "t", 1);
  index.put("user1/b", "t", 2);
  index.put("user2/a", "t", 4);
  CHECK(index.summary(0, 0, PrefixFilter({"user1/"})) == DigestSummary{2, 3});
  CHECK(index.summary(0, 0, PrefixFilter({"user2/", "user1/a"})) == DigestSummary{2, 5});
  CHECK(index.documents(0, 0, PrefixFilter({"user2/"})).size() == 1);
  index.erase("user1/a");
  CHECK(index.summary(0, 0, PrefixFilter()) == DigestSummary{2, 6});
  CHECK(index.find("user1/a") == nullptr);
  REQUIRE(index.find("user1/b") != nullptr);
  CHECK(index.find("user1/b")->hash == 2);
}
