// Change descriptions: what a merge or a local update changed, for subscribers.
//
// `describe_change(before, after)` compares the state of a replica before a merge or an update
// with the state after it and returns a typed description, `ChangeOf_t<T>`:
//   ORSet<E>                        SetChange<E>        {added, removed}
//   ORMap<K, V>                     MapChange<K>        {added, removed, updated}
//   PNCounter, CausalCounter,       ValueChange<int64>  {value, previous, changed}
//   BasicBoundedCounter<Floor>
//   LWWRegister<T>                  LWWChange<T>        {value, previous, stamp, previous_stamp,
//                                                        writer, previous_writer, changed}
//   MVRegister<T>                   SiblingsChange<T>   {values, previous, changed}
//   Text                            TextChanges         (std::vector<TextChange>)
// and `empty(change)` says whether it describes no change.
//
// Guarantees:
// - Descriptions are in terms of what the type's reads expose (value(), contains, keys, str(),
//   stamp(), writer()), never in terms of dots: a change that no read can see is not reported. So
//   an element re-added concurrently that was present before and after is not in `added`; an ORMap
//   key whose value() reads the same after a concurrent remove and re-add is not `updated`; a
//   BoundedCounter transfer (it moves rights, not the value) gives an empty description.
// - `describe_change(s, s)` is empty for every type, and so is the description of any merge that
//   leaves the state unchanged (a duplicated or already-known delta).
// - Set and map members are listed in the container's key order, without duplicates; a key is in
//   at most one of added, removed, updated.
// - Text: the changes, applied in order to `before.str()`, give `after.str()` (positions and
//   lengths in code points, as `Text::merge_with_changes`). When `after` has seen every event of
//   `before` (after.context() ⊇ before.context(): `after` is `before` merged with something, or
//   after local edits), they are computed exactly by the type's own machinery: a copy of `before`
//   merges `after` with `merge_with_changes`, so concurrent edits are reported where the merge put
//   them, not guessed by a string diff. Adjacent changes are then folded together (an insert and a
//   delete inside it, consecutive inserts, consecutive deletes), so a character that the merge
//   integrated and then deleted (a waiting delete of a waiting character) is not reported. Cost:
//   O(|before| + |after|) (the copy, plus a walk of every span of `after`), not O(delta); a
//   subscriber that already holds the delta should call `before.merge_with_changes(delta)` itself,
//   which costs the merge only. Otherwise (two unrelated states) it falls back to one replacement
//   of the differing middle of the two strings.
// - Nested ORMap values: `describe_change_at(before, after, key)` describes what changed in the
//   value at `key` with the nested type's own description (an absent key reads as bottom).
// Requirements: element, key and value types are equality comparable (the types' operator==
// already requires it); set elements and map keys are ordered by the container's comparator.
// Cost: one walk of both states (ORMap: plus a copy of the stores of the keys present on both
// sides whose stores differ, to read their values); Text as above. Pure: standard library only.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crdt/bounded_counter.hpp"
#include "crdt/causal/hybrid_logical_clock.hpp"
#include "crdt/causal/replica_id.hpp"
#include "crdt/causal_counter.hpp"
#include "crdt/dotted.hpp"
#include "crdt/lww_register.hpp"
#include "crdt/mv_register.hpp"
#include "crdt/or_map.hpp"
#include "crdt/or_set.hpp"
#include "crdt/pn_counter.hpp"
#include "crdt/text.hpp"
#include "crdt/text/utf8.hpp"

namespace crdt {

// ---- The descriptions -----------------------------------------------------------------------

// ORSet<E>: elements present after and not before, and the reverse.
template <class E>
struct SetChange {
  std::vector<E> added;
  std::vector<E> removed;
  friend bool operator==(const SetChange&, const SetChange&) = default;
};

// ORMap<K, V>: keys that appeared, disappeared, or stayed with a different value().
template <class K>
struct MapChange {
  std::vector<K> added;
  std::vector<K> removed;
  std::vector<K> updated;
  friend bool operator==(const MapChange&, const MapChange&) = default;
};

// Counters: the value after and before; `changed` is value != previous.
template <class V>
struct ValueChange {
  V value{};
  V previous{};
  bool changed = false;
  friend bool operator==(const ValueChange&, const ValueChange&) = default;
};

// LWWRegister<T>: the winning write's value, stamp and writer, after and before (nullopt and
// zero values when there is none). `changed` is true when any of the three differs, so a new
// write of an equal value is reported (with value == previous).
template <class T>
struct LWWChange {
  std::optional<T> value;
  std::optional<T> previous;
  HlcStamp stamp{};
  HlcStamp previous_stamp{};
  ReplicaId writer{};
  ReplicaId previous_writer{};
  bool changed = false;
  friend bool operator==(const LWWChange&, const LWWChange&) = default;
};

// MVRegister<T>: the concurrent values (siblings) after and before, each as value() lists them
// (ordered by their dots); `changed` is values != previous.
template <class T>
struct SiblingsChange {
  std::vector<T> values;
  std::vector<T> previous;
  bool changed = false;
  friend bool operator==(const SiblingsChange&, const SiblingsChange&) = default;
};

// Text: index-based changes that, applied in order to the old text, give the new one.
using TextChanges = std::vector<TextChange>;

template <class E>
bool empty(const SetChange<E>& c) {
  return c.added.empty() && c.removed.empty();
}
template <class K>
bool empty(const MapChange<K>& c) {
  return c.added.empty() && c.removed.empty() && c.updated.empty();
}
template <class V>
bool empty(const ValueChange<V>& c) {
  return !c.changed;
}
template <class T>
bool empty(const LWWChange<T>& c) {
  return !c.changed;
}
template <class T>
bool empty(const SiblingsChange<T>& c) {
  return !c.changed;
}
inline bool empty(const TextChanges& c) { return c.empty(); }

// ---- The trait ----------------------------------------------------------------------------

// ChangeOf<T>::type is T's description; ChangeOf<T>::describe(before, after) computes it. Other
// types can take part by specializing it.
template <class T>
struct ChangeOf;

template <class T>
using ChangeOf_t = typename ChangeOf<T>::type;

template <class T>
concept Describable = requires(const T& before, const T& after) {
  typename ChangeOf<T>::type;
  { ChangeOf<T>::describe(before, after) } -> std::same_as<typename ChangeOf<T>::type>;
};

// What changed from `before` to `after` (see the top of this file).
template <class T>
requires Describable<T> ChangeOf_t<T> describe_change(const T& before, const T& after) {
  return ChangeOf<T>::describe(before, after);
}

namespace detail {

// Walks two ordered maps in key order: only_a(key, a), only_b(key, b), both(key, a, b).
template <class Map, class OnlyA, class OnlyB, class Both>
void walk_keys(const Map& a, const Map& b, OnlyA&& only_a, OnlyB&& only_b, Both&& both) {
  const auto less = a.key_comp();
  auto i = a.begin();
  auto j = b.begin();
  while (i != a.end() || j != b.end()) {
    if (j == b.end() || (i != a.end() && less(i->first, j->first))) {
      only_a(i->first, i->second);
      ++i;
    } else if (i == a.end() || less(j->first, i->first)) {
      only_b(j->first, j->second);
      ++j;
    } else {
      both(i->first, i->second, j->second);
      ++i;
      ++j;
    }
  }
}

template <class V>
ValueChange<V> value_change(V value, V previous) {
  const bool changed = !(value == previous);
  return ValueChange<V>{std::move(value), std::move(previous), changed};
}

// Code points of the UTF-8 string `s` from byte `from` to byte `to`.
inline std::size_t code_points(std::string_view s, std::size_t from, std::size_t to) {
  return utf8::length(s.substr(from, to - from));
}

// Folds `next` into `last` when the pair is equivalent to one change; true when it did.
inline bool fold_text_change(TextChange& last, const TextChange& next) {
  const std::size_t inserted = utf8::length(last.inserted);
  if (next.pos >= last.pos && next.pos - last.pos <= inserted &&
      next.deleted <= inserted - (next.pos - last.pos)) {
    // `next` replaces a range inside the text `last` put in: edit that text instead.
    const std::size_t from = utf8::offset(last.inserted, next.pos - last.pos);
    const std::size_t to =
        from + utf8::offset(std::string_view(last.inserted).substr(from), next.deleted);
    last.inserted.replace(from, to - from, next.inserted);
    return true;
  }
  if (inserted == 0 && next.pos == last.pos) {
    // Two replacements at one place, the first inserting nothing.
    last.deleted += next.deleted;
    last.inserted = next.inserted;
    return true;
  }
  return false;
}

// Folds adjacent changes (see fold_text_change) and drops those that change nothing.
inline TextChanges fold_text_changes(TextChanges changes) {
  TextChanges out;
  out.reserve(changes.size());
  for (TextChange& c : changes) {
    if (c.deleted == 0 && c.inserted.empty()) continue;
    if (!out.empty() && fold_text_change(out.back(), c)) {
      if (out.back().deleted == 0 && out.back().inserted.empty()) out.pop_back();
      continue;
    }
    out.push_back(std::move(c));
  }
  return out;
}

// One replacement of the middle where `a` and `b` differ, at code point boundaries.
inline TextChanges text_diff(std::string_view a, std::string_view b) {
  if (a == b) return {};
  auto continuation = [](std::string_view s, std::size_t i) {
    return i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80;
  };
  std::size_t prefix = 0;
  while (prefix < a.size() && prefix < b.size() && a[prefix] == b[prefix]) ++prefix;
  while (prefix > 0 && (continuation(a, prefix) || continuation(b, prefix))) --prefix;
  std::size_t suffix = 0;
  while (suffix < a.size() - prefix && suffix < b.size() - prefix &&
         a[a.size() - 1 - suffix] == b[b.size() - 1 - suffix]) {
    ++suffix;
  }
  while (suffix > 0 && continuation(a, a.size() - suffix)) --suffix;
  TextChange change;
  change.pos = code_points(a, 0, prefix);
  change.deleted = code_points(a, prefix, a.size() - suffix);
  change.inserted = std::string(b.substr(prefix, b.size() - suffix - prefix));
  return {std::move(change)};
}

}  // namespace detail

// ---- The types ------------------------------------------------------------------------------

template <class E>
struct ChangeOf<ORSet<E>> {
  using type = SetChange<E>;
  static type describe(const ORSet<E>& before, const ORSet<E>& after) {
    type out;
    detail::walk_keys(
        before.store(), after.store(),
        [&](const E& element, const auto&) { out.removed.push_back(element); },
        [&](const E& element, const auto&) { out.added.push_back(element); },
        [](const E&, const auto&, const auto&) {});
    return out;
  }
};

template <class K, DottedCrdt V>
struct ChangeOf<ORMap<K, V>> {
  using type = MapChange<K>;
  static type describe(const ORMap<K, V>& before, const ORMap<K, V>& after) {
    type out;
    detail::walk_keys(
        before.store(), after.store(),
        [&](const K& key, const auto&) { out.removed.push_back(key); },
        [&](const K& key, const auto&) { out.added.push_back(key); },
        [&](const K& key, const auto& old_store, const auto& new_store) {
          // Equal stores hold the same events, so the same value; else compare what value() reads.
          if (old_store == new_store) return;
          if (!(read(old_store) == read(new_store))) out.updated.push_back(key);
        });
    return out;
  }

 private:
  // A value's value() from its store alone, as ORMap::value() reads it.
  static auto read(const typename V::Store& store) {
    return V(typename V::State(store, VersionVector{}, VersionVector{})).value();
  }
};

template <>
struct ChangeOf<PNCounter> {
  using type = ValueChange<std::int64_t>;
  static type describe(const PNCounter& before, const PNCounter& after) {
    return detail::value_change(after.value(), before.value());
  }
};

template <>
struct ChangeOf<CausalCounter> {
  using type = ValueChange<std::int64_t>;
  static type describe(const CausalCounter& before, const CausalCounter& after) {
    return detail::value_change(after.value(), before.value());
  }
};

template <std::int64_t Floor>
struct ChangeOf<BasicBoundedCounter<Floor>> {
  using type = ValueChange<std::int64_t>;
  static type describe(const BasicBoundedCounter<Floor>& before,
                       const BasicBoundedCounter<Floor>& after) {
    return detail::value_change(after.value(), before.value());
  }
};

template <class T>
struct ChangeOf<LWWRegister<T>> {
  using type = LWWChange<T>;
  static type describe(const LWWRegister<T>& before, const LWWRegister<T>& after) {
    type out{after.value(),  before.value(),  after.stamp(), before.stamp(),
             after.writer(), before.writer(), false};
    out.changed = !(out.value == out.previous) || out.stamp != out.previous_stamp ||
                  out.writer != out.previous_writer;
    return out;
  }
};

template <class T>
struct ChangeOf<MVRegister<T>> {
  using type = SiblingsChange<T>;
  static type describe(const MVRegister<T>& before, const MVRegister<T>& after) {
    type out{after.value(), before.value(), false};
    out.changed = !(out.values == out.previous);
    return out;
  }
};

template <>
struct ChangeOf<Text> {
  using type = TextChanges;
  // See the top of this file for what this computes and what it costs.
  static type describe(const Text& before, const Text& after) {
    if (!before.context().subset_of(after.context())) {
      return detail::text_diff(before.str(), after.str());
    }
    Text merged = before;
    return detail::fold_text_changes(merged.merge_with_changes(after));
  }
};

// What changed in the value at `key` of an ORMap, with V's own description; an absent key reads
// as bottom (a removed key gives the change from its last value to bottom).
template <class K, DottedCrdt V>
requires Describable<V> ChangeOf_t<V> describe_change_at(const ORMap<K, V>& before,
                                                         const ORMap<K, V>& after, const K& key) {
  return describe_change(before.get(key).value_or(V{}), after.get(key).value_or(V{}));
}

}  // namespace crdt
