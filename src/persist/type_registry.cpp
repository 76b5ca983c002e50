#include "type_registry.hpp"

#include <cstdint>
#include <string>

#include "crdt/persist/builtin_types.hpp"
#include "crdt/persist/document_type.hpp"
#include "crdt/serialization/all.hpp"
#include "crdt/serialization/text.hpp"

namespace crdt::persist {

namespace {

template <class... T>
void add_all(TypeRegistry& registry, TypeList<T...>) {
  (registry.add(document_type<T>()), ...);
}

}  // namespace

TypeRegistry::TypeRegistry() { add_all(*this, BuiltinTypes{}); }

void TypeRegistry::add(const DocumentType& type) { types_[type.tag()] = &type; }

const DocumentType* TypeRegistry::find(std::string_view tag) const {
  auto it = types_.find(tag);
  return it == types_.end() ? nullptr : it->second;
}

std::vector<std::string> TypeRegistry::tags() const {
  std::vector<std::string> out;
  out.reserve(types_.size());
  for (const auto& [tag, type] : types_) out.push_back(tag);
  return out;
}

}  // namespace crdt::persist
