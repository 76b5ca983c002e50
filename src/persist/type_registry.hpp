// TypeRegistry: the document types the type-erased operations know, by tag.
//
// Every concrete type of the library is registered at construction (the ones the TypeTag
// specializations name: orset<string>, mvreg<string>, lww<string>, ccounter, pncounter,
// bcounter<0>, ormap<string,ccounter> (the cart), text, and the other element types the
// serialization layer checks); an application adds its own with add().
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "crdt/persist/document_type.hpp"

namespace crdt::persist {

class TypeRegistry {
 public:
  TypeRegistry();

  // Replaces a type registered under the same tag.
  void add(const DocumentType& type);
  // nullptr if no type has this tag.
  const DocumentType* find(std::string_view tag) const;
  std::vector<std::string> tags() const;

 private:
  std::map<std::string, const DocumentType*, std::less<>> types_;
};

}  // namespace crdt::persist
