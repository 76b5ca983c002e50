#include "json_value.hpp"

#include <cstdint>
#include <limits>
#include <map>
#include <string>

#include <crdt/persist/builtin_types.hpp>

#include "document_kinds.hpp"

namespace crdt::cli {

namespace {

using persist::Store;

std::int64_t saturating_difference(std::int64_t a, std::int64_t b) {
  std::int64_t out = 0;
  if (!__builtin_sub_overflow(a, b, &out)) return out;
  return b < 0 ? std::numeric_limits<std::int64_t>::max()
               : std::numeric_limits<std::int64_t>::min();
}

template <class Counter>
std::int64_t since_removal(Store& store, std::string_view doc, const Counter& state) {
  const auto baseline = store.removed_baseline<Counter>(doc);
  return baseline ? saturating_difference(state.value(), baseline->value()) : state.value();
}

DocumentValue describe(Store& store, std::string_view doc, const PNCounter& state) {
  return {since_removal(store, doc, state)};
}

DocumentValue describe(Store& store, std::string_view doc, const BoundedCounter& state) {
  return {since_removal(store, doc, state), {{"rights", state.rights(store.replica())}}};
}

template <class T>
DocumentValue describe(Store& store, std::string_view doc, const LWWRegister<T>& state) {
  const auto baseline = store.removed_baseline<LWWRegister<T>>(doc);
  const bool seen_by_removal = baseline && baseline->winner() && state.winner() &&
                               baseline->winner()->dot == state.winner()->dot;
  Json value = nullptr;
  if (const T* current = state.get(); current != nullptr && !seen_by_removal) value = *current;
  return {std::move(value), {{"discarded", state.discarded()}}};
}

DocumentValue describe(Store&, std::string_view, const Text& state) { return {state.str()}; }

// Sets, MV registers, causal counters and maps: value() is already the natural form (a sorted
// vector, the siblings, a number, a map of key to the values' value()).
template <class T>
DocumentValue describe(Store&, std::string_view, const T& state) {
  return {Json(state.value())};
}

template <class T>
std::optional<DocumentValue> read_as(Store& store, std::string_view doc) {
  auto state = store.read<T>(doc);
  if (!state) return std::nullopt;
  return describe(store, doc, *state);
}

using Reader = std::optional<DocumentValue> (*)(Store&, std::string_view);

template <class... T>
std::map<std::string, Reader, std::less<>> readers_of(persist::TypeList<T...>) {
  return {{serialization::TypeTag<T>::name(), &read_as<T>}...};
}

// The types Store::open knows without registration.
const std::map<std::string, Reader, std::less<>>& readers() {
  static const auto table = readers_of(persist::BuiltinTypes{});
  return table;
}

}  // namespace

std::optional<DocumentValue> document_value(Store& store, std::string_view doc,
                                            std::string_view type) {
  const auto& table = readers();
  const auto it = table.find(type);
  if (it == table.end()) {
    if (!store.info(doc)) return std::nullopt;
    return DocumentValue{nullptr, {{"unsupported", true}}};
  }
  return it->second(store, doc);
}

}  // namespace crdt::cli
