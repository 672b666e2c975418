// Timeline <-> bytes: counts, then the strings (length-prefixed), then the events as raw records.
#include "sim/engine/timeline_bytes.h"

#include <cstdint>
#include <cstring>
#include <type_traits>

#include "core/error.h"

namespace trainsim::sim {
namespace {

static_assert(std::is_trivially_copyable_v<TimelineEvent>, "events are copied as raw records");

template <typename T>
void put(std::string& out, const T& value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof value);
}

void put_strings(std::string& out, const std::vector<std::string>& strings) {
  put(out, static_cast<std::uint64_t>(strings.size()));
  for (const std::string& s : strings) {
    put(out, static_cast<std::uint64_t>(s.size()));
    out += s;
  }
}

class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}
  void copy(void* to, std::size_t size) {
    TS_CHECK(size <= bytes_.size() - at_, "a timeline of {} bytes ends early", bytes_.size());
    if (size == 0) return;  // an empty vector's data() may be null, which memcpy must not be given
    std::memcpy(to, bytes_.data() + at_, size);
    at_ += size;
  }
  template <typename T>
  T get() {
    T value;
    copy(&value, sizeof value);
    return value;
  }
  std::vector<std::string> strings() {
    std::vector<std::string> out(get<std::uint64_t>());
    for (std::string& s : out) {
      s.resize(get<std::uint64_t>());
      copy(s.data(), s.size());
    }
    return out;
  }
  bool done() const { return at_ == bytes_.size(); }

 private:
  std::string_view bytes_;
  std::size_t at_ = 0;
};

}  // namespace

std::string timeline_to_bytes(const Timeline& t) {
  std::string out;
  put_strings(out, t.names);
  put_strings(out, t.rank_names);
  put_strings(out, t.tag_names);
  put(out, t.makespan_s);
  put(out, static_cast<std::uint64_t>(t.events.size()));
  if (!t.events.empty())  // an empty vector's data() may be null
    out.append(reinterpret_cast<const char*>(t.events.data()), t.events.size() * sizeof(TimelineEvent));
  return out;
}

Timeline timeline_from_bytes(std::string_view bytes) {
  Reader in(bytes);
  Timeline t;
  t.names = in.strings();
  t.rank_names = in.strings();
  t.tag_names = in.strings();
  t.makespan_s = in.get<double>();
  t.events.resize(in.get<std::uint64_t>());
  in.copy(t.events.data(), t.events.size() * sizeof(TimelineEvent));
  TS_CHECK(in.done(), "{} bytes left after a timeline", bytes.size());
  return t;
}

}  // namespace trainsim::sim
