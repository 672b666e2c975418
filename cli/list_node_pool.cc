// The executable's replacement of the global operator new and delete ([new.delete.single]): every request of
// exactly 24 bytes, the size of one node of a std::list of pointers on x86-64 (two links and the value), comes
// from a pool of 24-byte objects alone; everything else goes to malloc (jemalloc, cli/CMakeLists.txt).
//
// Why: SimGrid 3.32 files every host-to-host comm in one std::list, maestro's activities, and takes each comm
// out as it ends with std::list::remove, a walk over the whole list (docs/simgrid.md#speed). At gpu fidelity the
// list holds hundreds of comms, and the walk is a chain of dependent loads, one per node, that runs at the
// latency of wherever the nodes lie. Under jemalloc they share the 32-byte size class with every other object
// of 17 to 32 bytes the simulation allocates, so the live nodes lie among thousands of other objects. Here a
// node freed as a comm ends is the next one handed out (a last-in first-out free list), and the nodes of the
// list stay in a few pages. Measured (2026-12-04, one core, `trainsim bench --case 'gpu, the default step,
// routed'`, the same simulated step): 151.9 s before, 127.6 s with this pool.
//
// Slots come from one address range reserved at the first request (so that any pointer can be told to be the
// pool's by its address alone, whichever delete frees it), handed to each thread in chunks; each thread keeps
// its own free list. Where the range cannot be reserved or is used up, requests go to malloc like the rest.
// Not built into sanitizer builds, whose allocator must see every object.
#include <sys/mman.h>

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>

namespace {

constexpr std::size_t kPooledBytes = 24;     // what operator new is asked for a std::list<T*> node
constexpr std::size_t kSlotBytes = 32;       // keeps __STDCPP_DEFAULT_NEW_ALIGNMENT__ (16)
constexpr std::size_t kChunkBytes = 64 * 1024;
constexpr std::size_t kReservedBytes = std::size_t{16} << 30;  // address space only (MAP_NORESERVE)

struct FreeSlot {
  FreeSlot* next;
};

std::atomic<char*> pool_base{nullptr};
std::atomic<std::size_t> pool_used{0};
thread_local FreeSlot* free_slots = nullptr;
thread_local char* chunk_next = nullptr;
thread_local char* chunk_end = nullptr;

char* reserved_range() {
  char* base = pool_base.load(std::memory_order_acquire);
  if (base != nullptr) return base;
  void* mapped =
      ::mmap(nullptr, kReservedBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (mapped == MAP_FAILED) return nullptr;
  char* expected = nullptr;
  if (!pool_base.compare_exchange_strong(expected, static_cast<char*>(mapped), std::memory_order_acq_rel)) {
    ::munmap(mapped, kReservedBytes);  // another thread reserved it first
    return expected;
  }
  return static_cast<char*>(mapped);
}

bool in_pool(const void* p) {
  const char* base = pool_base.load(std::memory_order_acquire);
  return base != nullptr && static_cast<const char*>(p) >= base && static_cast<const char*>(p) < base + kReservedBytes;
}

void* take_slot() {
  if (FreeSlot* slot = free_slots) {
    free_slots = slot->next;
    return slot;
  }
  if (chunk_next == chunk_end) {
    char* base = reserved_range();
    if (base == nullptr) return nullptr;
    const std::size_t offset = pool_used.fetch_add(kChunkBytes, std::memory_order_relaxed);
    if (offset + kChunkBytes > kReservedBytes) return nullptr;
    chunk_next = base + offset;
    chunk_end = chunk_next + kChunkBytes;
  }
  void* slot = chunk_next;
  chunk_next += kSlotBytes;
  return slot;
}

void release(void* p) noexcept {
  if (p == nullptr) return;
  if (!in_pool(p)) return std::free(p);
  auto* slot = static_cast<FreeSlot*>(p);
  slot->next = free_slots;
  free_slots = slot;
}

}  // namespace

void* operator new(std::size_t bytes) {
  if (bytes == kPooledBytes)
    if (void* slot = take_slot()) return slot;
  if (void* p = std::malloc(bytes == 0 ? 1 : bytes)) return p;
  throw std::bad_alloc();
}

void operator delete(void* p) noexcept { release(p); }
void operator delete(void* p, std::size_t) noexcept { release(p); }
