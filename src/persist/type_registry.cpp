#include "type_registry.hpp"

#include <cstdint>
#include <string>

#include "crdt/bounded_counter.hpp"
#include "crdt/causal_counter.hpp"
#include "crdt/lww_register.hpp"
#include "crdt/mv_register.hpp"
#include "crdt/or_map.hpp"
#include "crdt/or_set.hpp"
#include "crdt/pn_counter.hpp"
#include "crdt/serialization/all.hpp"
#include "crdt/serialization/text.hpp"
#include "crdt/text.hpp"

namespace crdt::persist {

TypeRegistry::TypeRegistry() {
  add(document_type<ORSet<std::string>>());
  add(document_type<ORSet<std::int64_t>>());
  add(document_type<ORSet<std::uint64_t>>());
  add(document_type<MVRegister<std::string>>());
  add(document_type<MVRegister<std::int64_t>>());
  add(document_type<LWWRegister<std::string>>());
  add(document_type<LWWRegister<std::int64_t>>());
  add(document_type<CausalCounter>());
  add(document_type<PNCounter>());
  add(document_type<BoundedCounter>());
  add(document_type<ORMap<std::string, CausalCounter>>());
  add(document_type<ORMap<std::string, ORSet<std::string>>>());
  add(document_type<ORMap<std::string, MVRegister<std::string>>>());
  add(document_type<Text>());
}

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
