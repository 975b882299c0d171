// Buffer allocation with a cache of large blocks (see buffer.h for why).
#include "slope/buffer.h"

#include <cstdlib>
#include <map>
#include <mutex>
#include <new>

#include "slope/error.h"

namespace slope {

namespace {
constexpr size_t kAlign = 64;
// Blocks from 64 KiB up are cached: smaller ones come from malloc's own free lists, bigger ones
// malloc would map and unmap each time (a 627 KB batch copied per training step faulted its pages
// in on every step).
constexpr size_t kLarge = size_t(1) << 16;
constexpr size_t kCacheLimit = size_t(1) << 30;  // up to 1 GiB in total

struct LargeCache {
  std::mutex mu;
  std::multimap<size_t, void*> free;  // capacity -> block
  size_t bytes = 0;
  ~LargeCache() {
    for (auto& [cap, p] : free) std::free(p);
  }
};
LargeCache& cache() {
  static LargeCache* c = new LargeCache();  // leaked: buffers may die after static destruction
  return *c;
}

size_t round_up(size_t n, size_t to) { return (n + to - 1) / to * to; }

void* raw_alloc(size_t capacity) {
  void* p = std::aligned_alloc(kAlign, capacity);
  if (!p) fail("alloc", "out of memory allocating ", capacity, " bytes");
  return p;
}
}  // namespace

std::shared_ptr<Buffer> Buffer::allocate(size_t nbytes) {
  size_t capacity = round_up(nbytes == 0 ? kAlign : nbytes, kAlign);
  void* p = nullptr;
  if (capacity >= kLarge) {
    capacity = round_up(capacity, capacity < (size_t(1) << 20) ? size_t(1) << 12 : size_t(1) << 16);
    auto& c = cache();
    std::lock_guard<std::mutex> lock(c.mu);
    auto it = c.free.lower_bound(capacity);
    if (it != c.free.end() && it->first <= capacity + capacity / 4) {
      p = it->second;
      capacity = it->first;
      c.bytes -= capacity;
      c.free.erase(it);
    }
  }
  if (!p) p = raw_alloc(capacity);
  return std::shared_ptr<Buffer>(new Buffer(p, nbytes, capacity));
}

Buffer::~Buffer() {
  if (capacity_ >= kLarge) {
    auto& c = cache();
    std::lock_guard<std::mutex> lock(c.mu);
    if (c.bytes + capacity_ <= kCacheLimit) {
      c.free.emplace(capacity_, data_);
      c.bytes += capacity_;
      return;
    }
  }
  std::free(data_);
}

size_t Buffer::cached_bytes() {
  auto& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  return c.bytes;
}

void Buffer::release_cached() {
  auto& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  for (auto& [cap, p] : c.free) std::free(p);
  c.free.clear();
  c.bytes = 0;
}

}  // namespace slope
