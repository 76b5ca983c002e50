#include "document_cache.hpp"

#include <utility>

namespace crdt::persist {

CachedDocument* DocumentCache::find(std::string_view id) {
  auto it = index_.find(std::string(id));
  if (it == index_.end()) return nullptr;
  order_.splice(order_.begin(), order_, it->second);
  return &it->second->document;
}

CachedDocument* DocumentCache::put(std::string_view id, CachedDocument document) {
  erase(id);
  order_.push_front(Slot{std::string(id), std::move(document)});
  index_.emplace(order_.front().id, order_.begin());
  while (index_.size() > capacity_) {
    index_.erase(order_.back().id);
    order_.pop_back();
  }
  return &order_.front().document;
}

void DocumentCache::erase(std::string_view id) {
  auto it = index_.find(std::string(id));
  if (it == index_.end()) return;
  order_.erase(it->second);
  index_.erase(it);
}

void DocumentCache::clear() {
  index_.clear();
  order_.clear();
}

}  // namespace crdt::persist
