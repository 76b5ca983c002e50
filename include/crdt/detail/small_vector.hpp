// SmallVector<T, N>: a sorted-container backbone that keeps up to N elements inline.
//
// Causal contexts are small: every delta a mutator returns names one replica with one interval of
// counters. Kept in std::map and std::vector, that one interval cost two heap allocations and two
// frees per keystroke, more than the edit itself. With inline room for the common case a delta's
// context allocates nothing; larger contexts spill to the heap as a vector would.
//
// It offers the subset of std::vector the library uses (iterators are pointers, invalidated by any
// insertion or erasure, as with std::vector). T must be nothrow move constructible.
#pragma once

#include <algorithm>
#include <cstddef>
#include <initializer_list>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

namespace crdt::detail {

template <class T, std::size_t N>
class SmallVector {
  static_assert(N > 0);
  static_assert(std::is_nothrow_move_constructible_v<T>);

 public:
  using value_type = T;
  using size_type = std::size_t;
  using iterator = T*;
  using const_iterator = const T*;
  using reference = T&;
  using const_reference = const T&;

  SmallVector() noexcept {}  // user-provided: a const SmallVector needs no initializer
  SmallVector(std::initializer_list<T> values) {
    reserve(values.size());
    for (const T& v : values) push_back(v);
  }
  SmallVector(const SmallVector& other) {
    reserve(other.size_);
    std::uninitialized_copy(other.begin(), other.end(), data_);
    size_ = other.size_;
  }
  SmallVector(SmallVector&& other) noexcept { take(std::move(other)); }
  SmallVector& operator=(const SmallVector& other) {
    if (this != &other) {
      SmallVector copy(other);
      clear();
      release();
      take(std::move(copy));
    }
    return *this;
  }
  SmallVector& operator=(SmallVector&& other) noexcept {
    if (this != &other) {
      clear();
      release();
      take(std::move(other));
    }
    return *this;
  }
  ~SmallVector() {
    clear();
    release();
  }

  iterator begin() noexcept { return data_; }
  iterator end() noexcept { return data_ + size_; }
  const_iterator begin() const noexcept { return data_; }
  const_iterator end() const noexcept { return data_ + size_; }
  size_type size() const noexcept { return size_; }
  size_type capacity() const noexcept { return capacity_; }
  bool empty() const noexcept { return size_ == 0; }
  T* data() noexcept { return data_; }
  const T* data() const noexcept { return data_; }
  T& operator[](size_type i) { return data_[i]; }
  const T& operator[](size_type i) const { return data_[i]; }
  T& front() { return data_[0]; }
  const T& front() const { return data_[0]; }
  T& back() { return data_[size_ - 1]; }
  const T& back() const { return data_[size_ - 1]; }

  // Heap bytes held (0 while the elements fit inline).
  size_type heap_bytes() const noexcept { return on_heap() ? capacity_ * sizeof(T) : 0; }

  void reserve(size_type n) {
    if (n <= capacity_) return;
    T* fresh = static_cast<T*>(::operator new (n * sizeof(T), std::align_val_t{alignof(T)}));
    std::uninitialized_move(begin(), end(), fresh);
    std::destroy(begin(), end());
    release();
    data_ = fresh;
    capacity_ = n;
  }

  void clear() noexcept {
    std::destroy(begin(), end());
    size_ = 0;
  }

  void push_back(T value) { emplace_back(std::move(value)); }

  template <class... Args>
  T& emplace_back(Args&&... args) {
    if (size_ == capacity_) {
      // Built first, in case args refer to an element that growing moves.
      T value(std::forward<Args>(args)...);
      reserve(capacity_ * 2);
      ::new (static_cast<void*>(data_ + size_)) T(std::move(value));
    } else {
      ::new (static_cast<void*>(data_ + size_)) T(std::forward<Args>(args)...);
    }
    return data_[size_++];
  }

  iterator insert(const_iterator pos, T value) {
    const size_type index = static_cast<size_type>(pos - data_);
    if (size_ == capacity_) reserve(capacity_ * 2);
    if (index == size_) {
      ::new (static_cast<void*>(data_ + size_)) T(std::move(value));
    } else {
      ::new (static_cast<void*>(data_ + size_)) T(std::move(data_[size_ - 1]));
      std::move_backward(data_ + index, data_ + size_ - 1, data_ + size_);
      data_[index] = std::move(value);
    }
    ++size_;
    return data_ + index;
  }

  iterator erase(const_iterator pos) { return erase(pos, pos + 1); }

  iterator erase(const_iterator first, const_iterator last) {
    const auto from = static_cast<size_type>(first - data_);
    const auto count = static_cast<size_type>(last - first);
    if (count == 0) return data_ + from;
    std::move(data_ + from + count, end(), data_ + from);
    std::destroy(end() - count, end());
    size_ -= count;
    return data_ + from;
  }

  friend bool operator==(const SmallVector& a, const SmallVector& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
  }

 private:
  bool on_heap() const noexcept {
    return data_ != reinterpret_cast<const T*>(static_cast<const void*>(inline_));
  }

  T* inline_data() noexcept { return std::launder(reinterpret_cast<T*>(inline_)); }

  // Frees heap storage (the elements are already destroyed) and points back at the inline room.
  void release() noexcept {
    if (on_heap()) ::operator delete (data_, std::align_val_t{alignof(T)});
    data_ = inline_data();
    capacity_ = N;
  }

  // Takes `other`'s elements; this must be empty and inline.
  void take(SmallVector&& other) noexcept {
    if (other.on_heap()) {
      data_ = other.data_;
      capacity_ = other.capacity_;
      size_ = other.size_;
      other.data_ = other.inline_data();
      other.capacity_ = N;
      other.size_ = 0;
      return;
    }
    std::uninitialized_move(other.begin(), other.end(), data_);
    size_ = other.size_;
    other.clear();
  }

  alignas(T) unsigned char inline_[N * sizeof(T)];
  T* data_ = reinterpret_cast<T*>(inline_);
  size_type size_ = 0;
  size_type capacity_ = N;
};

}  // namespace crdt::detail
