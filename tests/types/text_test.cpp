#include <stdexcept>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <crdt/text.hpp>

using crdt::ReplicaId;
using crdt::Text;
using crdt::TextChange;

namespace {
const ReplicaId kA(1), kB(2), kC(3);

Text merged(Text a, const Text& b) {
  a.merge(b);
  return a;
}

// Applies index-based changes (code point positions) to UTF-8 text.
std::string apply_changes(std::string text, const std::vector<TextChange>& changes) {
  for (const TextChange& c : changes) {
    const std::size_t from = crdt::utf8::offset(text, c.pos);
    const std::size_t to =
        from + crdt::utf8::offset(std::string_view(text).substr(from), c.deleted);
    text.replace(from, to - from, c.inserted);
  }
  return text;
}
}  // namespace

TEST_CASE("Text: insert at 0, in the middle and at the end", "[text]") {
  Text t;
  t.insert(kA, 0, "world");
  t.insert(kA, 0, "hello ");
  t.insert(kA, 11, "!");
  t.insert(kA, 5, ",");
  CHECK(t.str() == "hello, world!");
  CHECK(t.size() == 13);
  CHECK(t.well_formed());
}

TEST_CASE("Text: typing at the end of one's own run extends one span", "[text]") {
  Text t;
  for (char c : std::string("abcdef")) t.insert(kA, t.size(), std::string(1, c));
  CHECK(t.str() == "abcdef");
  CHECK(t.span_count() == 1);
}

TEST_CASE("Text: inserting inside a span splits it", "[text]") {
  Text t;
  t.insert(kA, 0, "abcd");
  t.insert(kA, 2, "XY");
  CHECK(t.str() == "abXYcd");
  CHECK(t.span_count() == 3);
}

TEST_CASE("Text: a delete across span boundaries", "[text]") {
  Text t;
  t.insert(kA, 0, "aaaa");
  t.insert(kB, 4, "bbbb");
  t.insert(kC, 8, "cccc");
  const Text d = t.erase(kA, 2, 8);
  CHECK(t.str() == "aacc");
  Text other;
  other.merge(t);
  CHECK(other.str() == "aacc");
  CHECK(t.well_formed());
  CHECK_FALSE(d.empty());
}

TEST_CASE("Text: deleted characters keep ids only", "[text]") {
  Text t;
  t.insert(kA, 0, "secret text");
  t.erase(kA, 0, 7);
  CHECK(t.str() == "text");
  CHECK(t.size_bytes() == 4);
  bool found_secret = false;
  t.for_each_run([&](const crdt::TextRun& run) {
    if (run.content.find("secret") != std::string_view::npos) found_secret = true;
    if (run.deleted) CHECK(run.content.empty());
  });
  CHECK_FALSE(found_secret);
}

TEST_CASE("Text: concurrent inserts at the same position, 2 and 3 replicas", "[text][merge]") {
  SECTION("two replicas") {
    Text base;
    base.insert(kA, 0, "[]");
    Text a = base, b = base;
    const Text da = a.insert(kA, 1, "abc");
    const Text db = b.insert(kB, 1, "xyz");
    a.merge(db);
    b.merge(da);
    CHECK(a == b);
    // Each user's run stays contiguous.
    CHECK((a.str() == "[abcxyz]" || a.str() == "[xyzabc]"));
  }
  SECTION("three replicas, every delivery order") {
    Text base;
    base.insert(kA, 0, "..");
    Text a = base, b = base, c = base;
    const std::vector<Text> deltas{a.insert(kA, 1, "A"), b.insert(kB, 1, "B"),
                                   c.insert(kC, 1, "C")};
    std::vector<int> order{0, 1, 2};
    std::string first;
    do {
      Text r = base;
      for (int i : order) r.merge(deltas[static_cast<std::size_t>(i)]);
      if (first.empty()) first = r.str();
      CHECK(r.str() == first);
    } while (std::next_permutation(order.begin(), order.end()));
    CHECK(first.size() == 5);
  }
}

TEST_CASE("Text: insert after a deleted character", "[text][merge]") {
  Text a;
  a.insert(kA, 0, "abc");
  Text b = a;
  const Text del = a.erase(kA, 1, 1);     // a deletes 'b'
  const Text ins = b.insert(kB, 2, "X");  // b inserts after 'b'
  a.merge(ins);
  b.merge(del);
  CHECK(a == b);
  CHECK(a.str() == "aXc");
}

TEST_CASE("Text: multi-byte UTF-8 (2, 3 and 4 bytes)", "[text][utf8]") {
  Text t;
  t.insert(kA, 0, "aé€𝄞z");
  CHECK(t.size() == 5);
  CHECK(t.size_bytes() == 1 + 2 + 3 + 4 + 1);
  t.insert(kA, 2, "ü");
  CHECK(t.str() == "aéü€𝄞z");
  t.erase(kA, 3, 2);
  CHECK(t.str() == "aéüz");
  Text copy;
  copy.merge(t);
  CHECK(copy.str() == "aéüz");
  CHECK_THROWS_AS(t.insert(kA, 0, std::string("\xC3")), std::invalid_argument);
  CHECK_THROWS_AS(t.insert(kA, 0, std::string("\xED\xA0\x80")),
                  std::invalid_argument);  // surrogate
  CHECK(t.str() == "aéüz");
}

TEST_CASE("Text: empty inserts and erases are no-ops with a bottom delta", "[text]") {
  Text t;
  CHECK(t.insert(kA, 0, "").empty());
  t.insert(kA, 0, "x");
  CHECK(t.erase(kA, 1, 0).empty());
  CHECK(t.str() == "x");
}

TEST_CASE("Text: out-of-range positions throw and leave the text unchanged", "[text]") {
  Text t;
  t.insert(kA, 0, "abc");
  const Text before = t;
  CHECK_THROWS_AS(t.insert(kA, 4, "x"), std::out_of_range);
  CHECK_THROWS_AS(t.erase(kA, 2, 2), std::out_of_range);
  CHECK_THROWS_AS(t.erase(kA, 4, 0), std::out_of_range);
  CHECK_THROWS_AS(t.erase(kA, 1, static_cast<std::size_t>(-1)), std::out_of_range);
  CHECK_THROWS_AS(t.anchor(4), std::out_of_range);
  CHECK(t == before);
}

TEST_CASE("Text: out-of-order deltas wait in the pending buffer", "[text][merge]") {
  Text a;
  const Text d1 = a.insert(kA, 0, "ab");
  const Text d2 = a.insert(kA, 2, "cd");
  const Text d3 = a.erase(kA, 1, 2);
  Text b;
  b.merge(d3);
  b.merge(d2);
  CHECK(b.str().empty());
  CHECK(b.pending_inserts() == 1);
  CHECK(b.pending_deletes() == 1);
  const auto changes = b.merge_with_changes(d1);
  CHECK(b.str() == "ad");
  CHECK(apply_changes("", changes) == "ad");
  CHECK(b.pending_inserts() == 0);
  CHECK(b.pending_deletes() == 0);
  CHECK(b == a);
  b.merge(d2);  // a duplicate is a no-op
  CHECK(b == a);
}

TEST_CASE("Text: delta_since sends exactly what a peer lacks, deletes included", "[text]") {
  Text a;
  a.insert(kA, 0, "hello world");
  Text b = a;
  a.erase(kA, 0, 6);
  a.insert(kA, 5, "!");
  const Text delta = a.delta_since(b.context());
  std::size_t runs = 0;
  delta.for_each_run([&](const crdt::TextRun&) { ++runs; });
  CHECK(runs == 1);  // only the "!"; the catch-up does not resend old characters or tombstones
  std::size_t deletes = 0;
  delta.for_each_delete([&](crdt::Dot, crdt::Dot, std::uint32_t) { ++deletes; });
  CHECK(deletes == 1);
  b.merge(delta);
  CHECK(b == a);
  CHECK(a.delta_since(a.context()).empty());
  CHECK(merged(Text{}, a) == a);
  CHECK(merged(a, Text{}) == a);
  CHECK(merged(a, a) == a);
}

TEST_CASE("Text: anchors follow their characters and survive deletion", "[text][anchor]") {
  Text t;
  t.insert(kA, 0, "abcdef");
  const auto at_d = t.anchor(3);
  const auto at_end = t.anchor(6);
  Text other = t;
  t.merge(other.insert(kB, 0, "XYZ"));
  CHECK(t.position(at_d) == 6);
  CHECK(t.position(at_end) == t.size());
  t.erase(kA, 5, 1);  // deletes 'c'
  CHECK(t.position(at_d) == 5);
  t.erase(kA, 5, 1);  // deletes 'd'
  CHECK(t.position(at_d) == 5);
  CHECK(t.str() == "XYZabef");
}

TEST_CASE("Text: remote merges report index-based changes", "[text][changes]") {
  Text a;
  a.insert(kA, 0, "hello");
  Text b = a;
  Text delta = b.insert(kB, 5, " world");
  delta.merge(b.erase(kB, 0, 1));
  const std::string before = a.str();
  const auto changes = a.merge_with_changes(delta);
  CHECK(apply_changes(before, changes) == a.str());
  CHECK(a.str() == "ello world");
}
