// Dot stores: the payloads of the causal CRDTs (ORSet, MVRegister, CausalCounter, ORMap), joined
// together with a causal context as in section 6 of the delta-state paper.
//
// A causal state is a pair (store, context). An event present in the context but absent from the
// store has been removed, so removals need no tombstones. Three store shapes compose every type:
// - DotSet:        a set of dots;
// - DotFun<V>:     dots mapped to immutable values (a dot's value never changes once issued);
// - DotMap<K, S>:  keys mapped to nested stores; a key whose store is empty is absent.
//
// join((s1, c1), (s2, c2)) keeps a dot present in both stores, or present in one store and unknown
// to the other side's context. Every function here is pure and keeps the invariant that no
// DotMap entry holds an empty store.
#pragma once

#include <map>
#include <type_traits>
#include <utility>
#include <vector>

#include "crdt/causal/dot.hpp"
#include "crdt/causal/version_vector.hpp"

namespace crdt {

using DotSet = std::vector<Dot>;  // sorted, without duplicates

template <class V>
using DotFun = std::map<Dot, V>;

template <class K, class S>
using DotMap = std::map<K, S>;

namespace detail {

template <class T>
struct IsDotMap : std::false_type {};
template <class K, class S, class C, class A>
struct IsDotMap<std::map<K, S, C, A>> : std::bool_constant<!std::is_same_v<K, Dot>> {};

template <class T>
inline constexpr bool kIsDotMap = IsDotMap<T>::value;

}  // namespace detail

inline bool store_empty(const DotSet& s) { return s.empty(); }
template <class V>
bool store_empty(const DotFun<V>& s) {
  return s.empty();
}
template <class K, class S>
requires detail::kIsDotMap<DotMap<K, S>>
bool store_empty(const DotMap<K, S>& s) { return s.empty(); }

inline void join_store(DotSet& mine, const VersionVector& my_context, const DotSet& theirs,
                       const VersionVector& their_context) {
  DotSet out;
  out.reserve(mine.size() + theirs.size());
  auto a = mine.begin();
  auto b = theirs.begin();
  while (a != mine.end() || b != theirs.end()) {
    if (b == theirs.end() || (a != mine.end() && *a < *b)) {
      if (!their_context.contains(*a)) out.push_back(*a);
      ++a;
    } else if (a == mine.end() || *b < *a) {
      if (!my_context.contains(*b)) out.push_back(*b);
      ++b;
    } else {
      out.push_back(*a);
      ++a;
      ++b;
    }
  }
  mine = std::move(out);
}

template <class V>
void join_store(DotFun<V>& mine, const VersionVector& my_context, const DotFun<V>& theirs,
                const VersionVector& their_context) {
  for (auto it = mine.begin(); it != mine.end();) {
    if (!theirs.contains(it->first) && their_context.contains(it->first)) {
      it = mine.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& [dot, value] : theirs) {
    if (!my_context.contains(dot)) mine.emplace(dot, value);
  }
}

template <class K, class S>
requires detail::kIsDotMap<DotMap<K, S>>
void join_store(DotMap<K, S>& mine, const VersionVector& my_context, const DotMap<K, S>& theirs,
                const VersionVector& their_context) {
  static const S kEmpty{};
  for (auto it = mine.begin(); it != mine.end();) {
    auto other = theirs.find(it->first);
    join_store(it->second, my_context, other == theirs.end() ? kEmpty : other->second,
               their_context);
    it = store_empty(it->second) ? mine.erase(it) : std::next(it);
  }
  for (const auto& [key, store] : theirs) {
    if (mine.contains(key)) continue;
    S joined{};
    join_store(joined, my_context, store, their_context);
    if (!store_empty(joined)) mine.emplace(key, std::move(joined));
  }
}

inline void collect_dots(const DotSet& s, VersionVector& out) {
  for (const Dot& d : s) out.add(d);
}
template <class V>
void collect_dots(const DotFun<V>& s, VersionVector& out) {
  for (const auto& [dot, value] : s) out.add(dot);
}
template <class K, class S>
requires detail::kIsDotMap<DotMap<K, S>>
void collect_dots(const DotMap<K, S>& s, VersionVector& out) {
  for (const auto& [key, nested] : s) collect_dots(nested, out);
}

// The dots a store holds, as a context.
template <class S>
VersionVector dots_of(const S& store) {
  VersionVector out;
  collect_dots(store, out);
  return out;
}

// The part of a store whose dots `known` does not cover.
inline DotSet unknown_part(const DotSet& s, const VersionVector& known) {
  DotSet out;
  for (const Dot& d : s) {
    if (!known.contains(d)) out.push_back(d);
  }
  return out;
}
template <class V>
DotFun<V> unknown_part(const DotFun<V>& s, const VersionVector& known) {
  DotFun<V> out;
  for (const auto& [dot, value] : s) {
    if (!known.contains(dot)) out.emplace(dot, value);
  }
  return out;
}
template <class K, class S>
requires detail::kIsDotMap<DotMap<K, S>> DotMap<K, S> unknown_part(const DotMap<K, S>& s,
                                                                   const VersionVector& known) {
  DotMap<K, S> out;
  for (const auto& [key, nested] : s) {
    S part = unknown_part(nested, known);
    if (!store_empty(part)) out.emplace(key, std::move(part));
  }
  return out;
}

// The context a delta for a peer at `known` carries: every dot of `context` the peer lacks, plus
// the dots it has seen that this state has removed (it may still hold them). Dots this state
// holds alive and the peer has seen are left out, so the peer keeps them. Together with
// `unknown_part` this makes `b ⊔ delta == b ⊔ a` exact without tombstones.
template <class S>
VersionVector delta_context(const S& store, const VersionVector& context,
                            const VersionVector& known) {
  VersionVector live_known = dots_of(store);
  VersionVector unknown = live_known.difference(known);
  live_known.subtract(unknown);
  VersionVector out = context;
  out.subtract(live_known);
  return out;
}

inline bool store_well_formed(const DotSet& s, const VersionVector& context) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i].counter == 0 || !s[i].replica.valid() || !context.contains(s[i])) return false;
    if (i > 0 && !(s[i - 1] < s[i])) return false;
  }
  return true;
}
template <class V>
bool store_well_formed(const DotFun<V>& s, const VersionVector& context) {
  for (const auto& [dot, value] : s) {
    if (dot.counter == 0 || !dot.replica.valid() || !context.contains(dot)) return false;
  }
  return true;
}
template <class K, class S>
requires detail::kIsDotMap<DotMap<K, S>>
bool store_well_formed(const DotMap<K, S>& s, const VersionVector& context) {
  for (const auto& [key, nested] : s) {
    if (store_empty(nested) || !store_well_formed(nested, context)) return false;
  }
  return true;
}

}  // namespace crdt
