#include <string>

#include <catch2/catch.hpp>

#include <crdt/dot_store.hpp>

using crdt::Dot;
using crdt::DotFun;
using crdt::DotMap;
using crdt::DotSet;
using crdt::ReplicaId;
using crdt::VersionVector;

namespace {
const ReplicaId kA(1), kB(2);

VersionVector context_of(std::initializer_list<Dot> dots) {
  VersionVector out;
  for (const Dot& d : dots) out.add(d);
  return out;
}
}  // namespace

TEST_CASE("DotSet join: keeps common dots and dots the other side never saw", "[dot_store]") {
  DotSet mine{{kA, 1}, {kA, 2}, {kB, 1}};
  const VersionVector my_context = context_of({{kA, 1}, {kA, 2}, {kB, 1}});
  const DotSet theirs{{kA, 1}, {kB, 2}};
  // They saw a2 and b1 and dropped them; b2 is new to us.
  const VersionVector their_context = context_of({{kA, 1}, {kA, 2}, {kB, 1}, {kB, 2}});
  crdt::join_store(mine, my_context, theirs, their_context);
  CHECK(mine == DotSet{{kA, 1}, {kB, 2}});
}

TEST_CASE("DotFun join: a removed dot stays removed, a new one arrives with its value",
          "[dot_store]") {
  DotFun<std::string> mine{{{kA, 1}, "x"}};
  const VersionVector my_context = context_of({{kA, 1}});
  const DotFun<std::string> theirs{{{kB, 1}, "y"}};
  const VersionVector their_context = context_of({{kA, 1}, {kB, 1}});
  crdt::join_store(mine, my_context, theirs, their_context);
  CHECK(mine == DotFun<std::string>{{{kB, 1}, "y"}});
}

TEST_CASE("DotMap join: a key whose store ends empty disappears", "[dot_store]") {
  DotMap<std::string, DotSet> mine{{"gone", {{kA, 1}}}, {"kept", {{kA, 2}}}};
  const VersionVector my_context = context_of({{kA, 1}, {kA, 2}});
  const DotMap<std::string, DotSet> theirs{{"kept", {{kA, 2}}}, {"new", {{kB, 1}}}};
  const VersionVector their_context = context_of({{kA, 1}, {kA, 2}, {kB, 1}});
  crdt::join_store(mine, my_context, theirs, their_context);
  CHECK(mine == DotMap<std::string, DotSet>{{"kept", {{kA, 2}}}, {"new", {{kB, 1}}}});
}

TEST_CASE("delta_context: names what the peer lacks and the removals it may not have seen",
          "[dot_store]") {
  const DotSet live{{kA, 2}, {kA, 5}};
  const VersionVector context = context_of({{kA, 1}, {kA, 2}, {kA, 3}, {kA, 4}, {kA, 5}});
  const VersionVector known = context_of({{kA, 1}, {kA, 2}, {kA, 3}});
  const VersionVector delta = crdt::delta_context(live, context, known);
  // a2 is alive and known: left out so the peer keeps it. a1, a3 removed here: sent.
  CHECK(delta == context_of({{kA, 1}, {kA, 3}, {kA, 4}, {kA, 5}}));
  CHECK(crdt::unknown_part(live, known) == DotSet{{kA, 5}});
}

TEST_CASE("store_well_formed: every dot in the context, DotSet sorted, no empty map entry",
          "[dot_store]") {
  const VersionVector context = context_of({{kA, 1}, {kA, 2}});
  CHECK(crdt::store_well_formed(DotSet{{kA, 1}, {kA, 2}}, context));
  CHECK_FALSE(crdt::store_well_formed(DotSet{{kA, 2}, {kA, 1}}, context));
  CHECK_FALSE(crdt::store_well_formed(DotSet{{kA, 3}}, context));
  CHECK_FALSE(crdt::store_well_formed(DotMap<int, DotSet>{{1, {}}}, context));
}
