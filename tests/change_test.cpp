#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <catch2/catch.hpp>

#include <crdt/change.hpp>

namespace {

using crdt::BoundedCounter;
using crdt::CausalCounter;
using crdt::describe_change;
using crdt::HlcStamp;
using crdt::HybridLogicalClock;
using crdt::MapChange;
using crdt::PNCounter;
using crdt::ReplicaId;
using crdt::SetChange;
using crdt::Text;
using crdt::TextChange;
using crdt::TextChanges;
using crdt::ValueChange;
using Strings = std::vector<std::string>;
using Set = crdt::ORSet<std::string>;
using Cart = crdt::ORMap<std::string, CausalCounter>;
using Fields = crdt::ORMap<std::string, crdt::MVRegister<std::string>>;
using Tags = crdt::ORMap<std::string, Set>;
using Register = crdt::LWWRegister<std::string>;
using MV = crdt::MVRegister<std::string>;

const ReplicaId kA{1};
const ReplicaId kB{2};
const ReplicaId kC{3};

static_assert(std::is_same_v<crdt::ChangeOf_t<Set>, SetChange<std::string>>);
static_assert(std::is_same_v<crdt::ChangeOf_t<Cart>, MapChange<std::string>>);
static_assert(std::is_same_v<crdt::ChangeOf_t<PNCounter>, ValueChange<std::int64_t>>);
static_assert(std::is_same_v<crdt::ChangeOf_t<CausalCounter>, ValueChange<std::int64_t>>);
static_assert(std::is_same_v<crdt::ChangeOf_t<BoundedCounter>, ValueChange<std::int64_t>>);
static_assert(
    std::is_same_v<crdt::ChangeOf_t<crdt::BasicBoundedCounter<-5>>, ValueChange<std::int64_t>>);
static_assert(std::is_same_v<crdt::ChangeOf_t<Register>, crdt::LWWChange<std::string>>);
static_assert(std::is_same_v<crdt::ChangeOf_t<MV>, crdt::SiblingsChange<std::string>>);
static_assert(std::is_same_v<crdt::ChangeOf_t<Text>, std::vector<TextChange>>);
static_assert(!crdt::Describable<int>);

template <class T>
T merged(T a, const T& b) {
  a.merge(b);
  return a;
}

// Merges `delta` into `state` and returns what the merge changed.
template <class T>
crdt::ChangeOf_t<T> merge_and_describe(T& state, const T& delta) {
  const T before = state;
  state.merge(delta);
  return describe_change(before, state);
}

// Applies index-based changes (code point positions) to UTF-8 text.
std::string apply_changes(std::string text, const TextChanges& changes) {
  for (const TextChange& c : changes) {
    const std::size_t from = crdt::utf8::offset(text, c.pos);
    REQUIRE(from <= text.size());
    const std::size_t to =
        from + crdt::utf8::offset(std::string_view(text).substr(from), c.deleted);
    text.replace(from, to - from, c.inserted);
  }
  return text;
}

// A physical clock the test sets by hand.
struct ManualTime {
  std::uint64_t ms = 1'700'000'000'000;
  HybridLogicalClock::TimeSource source() {
    return [this] { return ms; };
  }
};

}  // namespace

// ---- ORSet ----------------------------------------------------------------------------------

TEST_CASE("change: ORSet local adds and removes", "[change]") {
  Set s;
  Set before = s;
  s.add(kA, "b");
  s.add(kA, "a");
  auto c = describe_change(before, s);
  CHECK(c.added == Strings{"a", "b"});
  CHECK(c.removed.empty());
  CHECK_FALSE(crdt::empty(c));

  before = s;
  s.remove(kA, "a");
  s.add(kA, "c");
  c = describe_change(before, s);
  CHECK(c.added == Strings{"c"});
  CHECK(c.removed == Strings{"a"});

  before = s;
  s.clear(kA);
  c = describe_change(before, s);
  CHECK(c.added.empty());
  CHECK(c.removed == Strings{"b", "c"});
}

TEST_CASE("change: ORSet remote merges, concurrent adds and removes", "[change]") {
  Set a, b;
  b.merge(a.add(kA, "x"));
  b.merge(a.add(kA, "y"));
  const Set remove_x = a.remove(kA, "x");
  const Set add_z = a.add(kA, "z");
  const Set add_w = b.add(kB, "w");

  auto c = merge_and_describe(b, remove_x);
  CHECK(c == SetChange<std::string>{{}, {"x"}});
  c = merge_and_describe(b, add_z);
  CHECK(c == SetChange<std::string>{{"z"}, {}});
  c = merge_and_describe(a, add_w);
  CHECK(c == SetChange<std::string>{{"w"}, {}});
  CHECK(a == b);
}

TEST_CASE("change: ORSet concurrent re-add of a present element is not reported", "[change]") {
  Set a, b;
  b.merge(a.add(kA, "x"));
  // b re-adds x while a removes it: add wins.
  const Set readd = b.add(kB, "x");
  const Set removal = a.remove(kA, "x");
  // On b, x was present before and after the removal: nothing visible changed.
  auto c = merge_and_describe(b, removal);
  CHECK(crdt::empty(c));
  CHECK(b.contains("x"));
  // On a, x comes back.
  c = merge_and_describe(a, readd);
  CHECK(c == SetChange<std::string>{{"x"}, {}});

  // A concurrent add of an element present on both sides changes dots only.
  Set d = a;
  const Set again = a.add(kA, "x");
  CHECK(crdt::empty(merge_and_describe(d, again)));
}

TEST_CASE("change: ORSet merges that change nothing give empty descriptions", "[change]") {
  Set a, b;
  const Set d1 = a.add(kA, "x");
  b.merge(d1);
  CHECK(crdt::empty(merge_and_describe(b, d1)));     // duplicate delta
  CHECK(crdt::empty(merge_and_describe(b, Set{})));  // bottom
  CHECK(crdt::empty(merge_and_describe(b, a)));      // full state already known
  CHECK(crdt::empty(describe_change(a, a)));
  CHECK(crdt::empty(describe_change(Set{}, Set{})));
  CHECK(crdt::empty(merge_and_describe(b, b.remove(kB, "nope"))));  // bottom delta
}

// ---- MVRegister -----------------------------------------------------------------------------

TEST_CASE("change: MVRegister writes, concurrent siblings and resolution", "[change]") {
  MV a, b;
  MV before = a;
  const MV wa = a.write(kA, "a");
  auto c = describe_change(before, a);
  CHECK(c.values == Strings{"a"});
  CHECK(c.previous.empty());
  CHECK(c.changed);
  CHECK_FALSE(crdt::empty(c));

  const MV wb = b.write(kB, "b");  // concurrent with wa
  c = merge_and_describe(a, wb);
  CHECK(c.values == Strings{"a", "b"});
  CHECK(c.previous == Strings{"a"});
  CHECK(c.changed);
  c = merge_and_describe(b, wa);
  CHECK(c.values == Strings{"a", "b"});
  CHECK(c.previous == Strings{"b"});

  before = a;
  const MV resolve = a.write(kA, "c");
  c = describe_change(before, a);
  CHECK(c.values == Strings{"c"});
  CHECK(c.previous == Strings{"a", "b"});
  c = merge_and_describe(b, resolve);
  CHECK(c.values == Strings{"c"});
  CHECK(c.previous == Strings{"a", "b"});

  before = b;
  b.clear(kB);
  c = describe_change(before, b);
  CHECK(c.values.empty());
  CHECK(c.previous == Strings{"c"});
  CHECK(c.changed);
}

TEST_CASE("change: MVRegister no-change merges and equal rewrites are empty", "[change]") {
  MV a, b;
  const MV w = a.write(kA, "v");
  b.merge(w);
  CHECK(crdt::empty(merge_and_describe(b, w)));
  CHECK(crdt::empty(merge_and_describe(b, a)));
  CHECK(crdt::empty(describe_change(a, a)));
  // b supersedes a's "v" with its own "v": the siblings read the same.
  const MV rewrite = b.write(kB, "v");
  const auto c = merge_and_describe(a, rewrite);
  CHECK(crdt::empty(c));
  CHECK(c.values == Strings{"v"});
  CHECK(c.previous == Strings{"v"});
}

// ---- Counters -------------------------------------------------------------------------------

TEST_CASE("change: CausalCounter increments, concurrent merges and resets", "[change]") {
  CausalCounter a, b;
  CausalCounter before = a;
  const CausalCounter d1 = a.increment(kA, 2);
  auto c = describe_change(before, a);
  CHECK(c == ValueChange<std::int64_t>{2, 0, true});
  CHECK_FALSE(crdt::empty(c));

  c = merge_and_describe(b, d1);
  CHECK(c == ValueChange<std::int64_t>{2, 0, true});
  const CausalCounter reset = b.reset(kB);
  const CausalCounter plus = a.increment(kA, 3);  // concurrent with the reset
  c = merge_and_describe(a, reset);
  CHECK(c == ValueChange<std::int64_t>{3, 5, true});  // the concurrent +3 survives
  c = merge_and_describe(b, plus);
  CHECK(c == ValueChange<std::int64_t>{3, 0, true});

  before = a;
  a.decrement(kA, 4);
  CHECK(describe_change(before, a) == ValueChange<std::int64_t>{-1, 3, true});

  CHECK(crdt::empty(merge_and_describe(b, plus)));  // duplicate
  CHECK(crdt::empty(describe_change(a, a)));
  // Events that cancel out change the state, not the value.
  before = a;
  a.increment(kA, 7);
  a.decrement(kA, 7);
  CHECK(crdt::empty(describe_change(before, a)));
}

TEST_CASE("change: PNCounter local and remote, concurrent and duplicated", "[change]") {
  PNCounter a, b;
  PNCounter before = a;
  const PNCounter d1 = a.increment(kA, 5);
  CHECK(describe_change(before, a) == ValueChange<std::int64_t>{5, 0, true});
  const PNCounter d2 = b.decrement(kB, 2);
  auto c = merge_and_describe(a, d2);
  CHECK(c == ValueChange<std::int64_t>{3, 5, true});
  c = merge_and_describe(b, d1);
  CHECK(c == ValueChange<std::int64_t>{3, -2, true});
  CHECK(crdt::empty(merge_and_describe(b, d1)));
  CHECK(crdt::empty(merge_and_describe(b, a)));
  CHECK(crdt::empty(describe_change(a, a)));
  before = a;
  a.increment(kA, 1);
  a.decrement(kA, 1);
  CHECK(crdt::empty(describe_change(before, a)));
}

TEST_CASE("change: BoundedCounter value changes; transfers change none", "[change]") {
  BoundedCounter a, b;
  BoundedCounter before = a;
  const BoundedCounter inc = a.increment(kA, 10);
  CHECK(describe_change(before, a) == ValueChange<std::int64_t>{10, 0, true});
  CHECK(merge_and_describe(b, inc) == ValueChange<std::int64_t>{10, 0, true});

  before = a;
  const auto transfer = a.transfer(kA, kB, 4);
  REQUIRE(transfer);
  CHECK(crdt::empty(describe_change(before, a)));
  CHECK(crdt::empty(merge_and_describe(b, *transfer)));

  const auto spend_a = a.decrement(kA, 6);  // concurrent decrements within each one's rights
  const auto spend_b = b.decrement(kB, 3);
  REQUIRE(spend_a);
  REQUIRE(spend_b);
  CHECK(merge_and_describe(a, *spend_b) == ValueChange<std::int64_t>{1, 4, true});
  CHECK(merge_and_describe(b, *spend_a) == ValueChange<std::int64_t>{1, 7, true});
  CHECK(crdt::empty(merge_and_describe(b, *spend_a)));
  CHECK(crdt::empty(describe_change(a, a)));

  crdt::BasicBoundedCounter<-5> floor;
  const crdt::BasicBoundedCounter<-5> start = floor;
  floor.increment(kA, 2);
  CHECK(describe_change(start, floor) == ValueChange<std::int64_t>{-3, -5, true});
}

// ---- LWWRegister ----------------------------------------------------------------------------

TEST_CASE("change: LWWRegister writes, concurrent merges and rewrites", "[change]") {
  ManualTime time_a, time_b;
  HybridLogicalClock clock_a(time_a.source());
  HybridLogicalClock clock_b(time_b.source());
  Register a, b;

  Register before = a;
  const Register w1 = a.set(kA, clock_a, "one");
  auto c = describe_change(before, a);
  CHECK(c.value == std::optional<std::string>("one"));
  CHECK_FALSE(c.previous.has_value());
  CHECK(c.stamp == a.stamp());
  CHECK(c.previous_stamp == HlcStamp{});
  CHECK(c.writer == kA);
  CHECK(c.previous_writer == ReplicaId{});
  CHECK(c.changed);
  CHECK_FALSE(crdt::empty(c));
  c = merge_and_describe(b, w1);
  CHECK(c.value == std::optional<std::string>("one"));
  CHECK(c.changed);

  // Concurrent writes; b's is later and wins everywhere.
  time_a.ms += 10;
  time_b.ms += 20;
  const Register wa = a.set(kA, clock_a, "from a");
  const Register wb = b.set(kB, clock_b, "from b");
  c = merge_and_describe(a, wb);
  CHECK(c.value == std::optional<std::string>("from b"));
  CHECK(c.previous == std::optional<std::string>("from a"));
  CHECK(c.writer == kB);
  CHECK(c.previous_writer == kA);
  CHECK(c.stamp > c.previous_stamp);
  CHECK(c.changed);
  // On b the losing write changes no read: empty.
  c = merge_and_describe(b, wa);
  CHECK(crdt::empty(c));
  CHECK(c.value == c.previous);
  CHECK(a == b);

  // A rewrite of the same value is a change (new stamp and writer).
  time_a.ms += 10;
  before = b;
  const Register same = a.set(kA, clock_a, "from b");
  c = merge_and_describe(b, same);
  CHECK(c.changed);
  CHECK(c.value == c.previous);
  CHECK(c.writer == kA);
  CHECK(c.previous_writer == kB);

  CHECK(crdt::empty(merge_and_describe(b, same)));
  CHECK(crdt::empty(merge_and_describe(b, a)));
  CHECK(crdt::empty(describe_change(a, a)));
}

// ---- ORMap ----------------------------------------------------------------------------------

TEST_CASE("change: ORMap keys added, removed and updated", "[change]") {
  Cart a, b;
  auto add = [](Cart& cart, ReplicaId r, const std::string& key, std::int64_t n) {
    return cart.update(r, key, [&](CausalCounter& c) { return c.increment(r, n); });
  };
  Cart before = a;
  add(a, kA, "milk", 2);
  add(a, kA, "eggs", 6);
  auto c = describe_change(before, a);
  CHECK(c == MapChange<std::string>{{"eggs", "milk"}, {}, {}});
  CHECK_FALSE(crdt::empty(c));

  c = merge_and_describe(b, a);
  CHECK(c == MapChange<std::string>{{"eggs", "milk"}, {}, {}});

  before = a;
  add(a, kA, "milk", 1);
  a.remove(kA, "eggs");
  add(a, kA, "bread", 1);
  c = describe_change(before, a);
  CHECK(c == MapChange<std::string>{{"bread"}, {"eggs"}, {"milk"}});

  // Remove concurrent with an update: the update survives, its value changes.
  const Cart removal = b.remove(kB, "milk");
  const Cart more = add(a, kA, "milk", 5);
  c = merge_and_describe(a, removal);
  CHECK(c == MapChange<std::string>{{}, {}, {"milk"}});
  CHECK(a.value().at("milk") == 6);  // the +1 and the concurrent +5 survive
  c = merge_and_describe(b, more);
  CHECK(c == MapChange<std::string>{{"milk"}, {}, {}});

  // The nested value's own description.
  Cart b_before = b;
  const Cart plus = add(a, kA, "milk", 1);
  b.merge(plus);
  CHECK(crdt::describe_change_at(b_before, b, std::string("milk")) ==
        ValueChange<std::int64_t>{6, 5, true});
  CHECK(crdt::describe_change_at(b_before, b, std::string("none")) ==
        ValueChange<std::int64_t>{0, 0, false});

  CHECK(crdt::empty(merge_and_describe(b, plus)));
  CHECK(crdt::empty(merge_and_describe(b, b)));
  CHECK(crdt::empty(describe_change(a, a)));
  CHECK(crdt::empty(describe_change(Cart{}, Cart{})));
}

TEST_CASE("change: ORMap values compared by what they read", "[change]") {
  Fields a, b;
  auto write = [](Fields& f, ReplicaId r, const std::string& key, const std::string& v) {
    return f.update(r, key, [&](MV& reg) { return reg.write(r, v); });
  };
  b.merge(write(a, kA, "name", "ada"));
  // b rewrites the same value: new dots, same siblings.
  const Fields rewrite = write(b, kB, "name", "ada");
  CHECK(crdt::empty(merge_and_describe(a, rewrite)));
  // A concurrent write of another value makes siblings: updated.
  const Fields other = write(b, kB, "name", "grace");
  write(a, kA, "name", "ada lovelace");
  const auto c = merge_and_describe(a, other);
  CHECK(c == MapChange<std::string>{{}, {}, {"name"}});

  // Nested sets.
  Tags t, u;
  Tags before = t;
  u.merge(t.update(kA, "doc", [&](Set& s) { return s.add(kA, "red"); }));
  CHECK(describe_change(before, t) == MapChange<std::string>{{"doc"}, {}, {}});
  before = u;
  const Tags blue = t.update(kA, "doc", [&](Set& s) { return s.add(kA, "blue"); });
  u.merge(blue);
  CHECK(describe_change(before, u) == MapChange<std::string>{{}, {}, {"doc"}});
  CHECK(crdt::describe_change_at(before, u, std::string("doc")) ==
        SetChange<std::string>{{"blue"}, {}});
  before = u;
  u.remove(kB, "doc");
  CHECK(describe_change(before, u) == MapChange<std::string>{{}, {"doc"}, {}});
  CHECK(crdt::describe_change_at(before, u, std::string("doc")) ==
        SetChange<std::string>{{}, {"blue", "red"}});
  CHECK(crdt::empty(merge_and_describe(u, blue)));  // known already: nothing comes back
}

// ---- Text -----------------------------------------------------------------------------------

TEST_CASE("change: Text local inserts and erases", "[change]") {
  Text t;
  Text before = t;
  t.insert(kA, 0, "héllo");
  auto c = describe_change(before, t);
  CHECK(c == TextChanges{TextChange{0, 0, "héllo"}});
  CHECK_FALSE(crdt::empty(c));
  CHECK_FALSE(empty(c));  // found by argument-dependent lookup, beside std::empty
  CHECK(empty(TextChanges{}));

  before = t;
  t.insert(kA, 5, " world");
  t.insert(kA, 0, "¡");
  c = describe_change(before, t);
  CHECK(apply_changes(before.str(), c) == t.str());

  before = t;
  t.erase(kA, 1, 2);
  c = describe_change(before, t);
  CHECK(c == TextChanges{TextChange{1, 2, ""}});
  CHECK(apply_changes(before.str(), c) == "¡llo world");
}

TEST_CASE("change: Text concurrent edits reported where the merge put them", "[change]") {
  Text a, b;
  b.merge(a.insert(kA, 0, "abc"));
  const Text ins_a = a.insert(kA, 1, "X");
  const Text ins_b = b.insert(kB, 1, "Y");
  const Text del_b = b.erase(kB, 2, 1);  // erases "b"
  Text before = a;
  a.merge(ins_b);
  a.merge(del_b);
  const auto c = describe_change(before, a);
  CHECK(apply_changes(before.str(), c) == a.str());
  for (const TextChange& change : c) CHECK(change.inserted != "X");  // a's own edit is not news

  const auto c2 = merge_and_describe(b, ins_a);
  CHECK(apply_changes("aYc", c2) == b.str());
  CHECK(a.str() == b.str());

  CHECK(crdt::empty(merge_and_describe(b, ins_a)));
  CHECK(crdt::empty(merge_and_describe(b, a)));
  CHECK(crdt::empty(describe_change(a, a)));
  CHECK(crdt::empty(describe_change(Text{}, Text{})));
}

TEST_CASE("change: Text inserted and deleted within one merge is not reported", "[change]") {
  Text a, b, c;
  const Text d1 = a.insert(kA, 0, "a");
  const Text d2 = a.insert(kA, 1, "b");
  c.merge(d2);  // waits for "a"
  REQUIRE(c.pending_inserts() == 1);
  b.merge(d1);
  b.merge(d2);
  b.erase(kB, 1, 1);  // "b" deleted
  REQUIRE(b.str() == "a");
  const Text before = c;
  c.merge(b);
  const auto changes = describe_change(before, c);
  CHECK(changes == TextChanges{TextChange{0, 0, "a"}});
  CHECK(apply_changes(before.str(), changes) == c.str());
}

TEST_CASE("change: Text states that are not one merge apart fall back to a diff", "[change]") {
  Text a, b;
  a.insert(kA, 0, "héllo wörld");
  b.insert(kB, 0, "héllo wõrld");
  const auto c = describe_change(a, b);
  CHECK(c == TextChanges{TextChange{7, 1, "õ"}});
  CHECK(apply_changes(a.str(), c) == b.str());
  CHECK(apply_changes(b.str(), describe_change(b, Text{})).empty());
  CHECK(apply_changes(a.str(), describe_change(a, b)) == b.str());
}

TEST_CASE("change: Text random edits from 3 replicas replay exactly", "[change]") {
  std::mt19937 rng(20240611);
  auto pick = [&](std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
  };
  const std::vector<std::string> pieces = {"a", "bc", "é", "日本", "🙂", "xyz", " ", "ñö"};
  const std::vector<ReplicaId> ids = {kA, kB, kC};
  for (int round = 0; round < 20; ++round) {
    std::vector<Text> replicas(3);
    std::vector<Text> deltas;
    std::size_t checked = 0;
    for (int step = 0; step < 150; ++step) {
      const std::size_t r = pick(3);
      Text& t = replicas[r];
      const Text before = t;
      const std::size_t action = pick(10);
      if (action < 4 || t.size() == 0) {
        deltas.push_back(t.insert(ids[r], pick(t.size() + 1), pieces[pick(pieces.size())]));
      } else if (action < 6) {
        const std::size_t pos = pick(t.size());
        deltas.push_back(t.erase(ids[r], pos, 1 + pick(std::min<std::size_t>(4, t.size() - pos))));
      } else if (action < 9 && !deltas.empty()) {
        t.merge(deltas[pick(deltas.size())]);  // any order, duplicates included
      } else {
        t.merge(replicas[pick(3)]);
      }
      // t has seen every event of before: the exact path, not the fallback diff.
      REQUIRE(before.context().subset_of(t.context()));
      const TextChanges changes = describe_change(before, t);
      INFO("round " << round << " step " << step);
      REQUIRE(apply_changes(before.str(), changes) == t.str());
      if (crdt::empty(changes)) CHECK(before.str() == t.str());
      ++checked;
    }
    // Converge and check the last merges too.
    for (int pass = 0; pass < 2; ++pass) {
      for (std::size_t i = 0; i < 3; ++i) {
        for (std::size_t j = 0; j < 3; ++j) {
          const Text before = replicas[i];
          replicas[i].merge(replicas[j]);
          REQUIRE(apply_changes(before.str(), describe_change(before, replicas[i])) ==
                  replicas[i].str());
        }
      }
    }
    CHECK(replicas[0].str() == replicas[1].str());
    CHECK(replicas[1].str() == replicas[2].str());
    CHECK(crdt::empty(describe_change(replicas[0], replicas[1])));
    CHECK(checked == 150);
  }
}

// ---- Random sets and maps against their values ----------------------------------------------

TEST_CASE("change: ORSet and ORMap random merges match their values", "[change]") {
  std::mt19937 rng(7);
  auto pick = [&](std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
  };
  const Strings keys = {"k1", "k2", "k3", "k4"};
  const std::vector<ReplicaId> ids = {kA, kB, kC};
  std::vector<Set> sets(3);
  std::vector<Set> set_deltas;
  std::vector<Cart> carts(3);
  std::vector<Cart> cart_deltas;
  for (int step = 0; step < 600; ++step) {
    const std::size_t r = pick(3);
    const std::string& key = keys[pick(keys.size())];
    const Set set_before = sets[r];
    const Cart cart_before = carts[r];
    switch (pick(5)) {
      case 0:
        set_deltas.push_back(sets[r].add(ids[r], key));
        cart_deltas.push_back(carts[r].update(ids[r], key, [&](CausalCounter& c) {
          return c.increment(ids[r], static_cast<std::int64_t>(pick(3)));
        }));
        break;
      case 1:
        set_deltas.push_back(sets[r].remove(ids[r], key));
        cart_deltas.push_back(carts[r].remove(ids[r], key));
        break;
      case 2:
      case 3:
        if (!set_deltas.empty()) sets[r].merge(set_deltas[pick(set_deltas.size())]);
        if (!cart_deltas.empty()) carts[r].merge(cart_deltas[pick(cart_deltas.size())]);
        break;
      default:
        sets[r].merge(sets[pick(3)]);
        carts[r].merge(carts[pick(3)]);
        break;
    }
    // Reference: from the values.
    SetChange<std::string> expected_set;
    const Strings old_elements = set_before.value();
    const Strings new_elements = sets[r].value();
    std::set_difference(new_elements.begin(), new_elements.end(), old_elements.begin(),
                        old_elements.end(), std::back_inserter(expected_set.added));
    std::set_difference(old_elements.begin(), old_elements.end(), new_elements.begin(),
                        new_elements.end(), std::back_inserter(expected_set.removed));
    CHECK(describe_change(set_before, sets[r]) == expected_set);

    MapChange<std::string> expected_map;
    const auto old_values = cart_before.value();
    const auto new_values = carts[r].value();
    for (const std::string& k : keys) {
      const bool was = old_values.contains(k);
      const bool is = new_values.contains(k);
      if (!was && is) expected_map.added.push_back(k);
      if (was && !is) expected_map.removed.push_back(k);
      if (was && is && old_values.at(k) != new_values.at(k)) expected_map.updated.push_back(k);
    }
    CHECK(describe_change(cart_before, carts[r]) == expected_map);
  }
}
