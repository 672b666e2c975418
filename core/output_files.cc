// OutputFiles (output_files.h) on POSIX calls: lstat decides what a path is, mkostemp makes the unique
// temporary, rename(2) replaces a file atomically within its folder (POSIX.1-2017, rename), and every write,
// close and flush is checked, its errno reported with strerror.
#include "core/output_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>

#include "core/error.h"

namespace trainsim {
namespace {

// NOTE: Linux follows symbolic links at most 40 times (path_resolution(7)); past that it reports ELOOP.
constexpr int kMaxSymbolicLinks = 40;
// A temporary is ".<name>.XXXXXX": names are cut so that it stays under NAME_MAX (255 on Linux).
constexpr std::size_t kMaxNameInTemporary = 200;

[[noreturn]] void fail(std::string_view flag, const std::string& path, int error, std::string_view what = {}) {
  const std::string from = flag.empty() ? "" : fmt::format(" ({})", flag);
  throw Error(fmt::format("cannot write {}{}: {}{}", path, from, what, std::strerror(error)));
}

// /dev/stdout and friends name a descriptor this process already holds. Opening them again would open the
// file behind it anew (from offset 0, or replace it), so they are written through the descriptor itself.
std::optional<int> descriptor_named(std::string_view path) {
  if (path == "/dev/stdin") return 0;
  if (path == "/dev/stdout") return 1;
  if (path == "/dev/stderr") return 2;
  for (std::string_view prefix : {"/dev/fd/", "/proc/self/fd/"}) {
    if (!path.starts_with(prefix)) continue;
    const std::string_view digits = path.substr(prefix.size());
    int fd = -1;
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), fd);
    if (error == std::errc() && end == digits.data() + digits.size() && !digits.empty()) return fd;
  }
  return std::nullopt;
}

// 0 when a file can be created in `folder`, else the errno that creating one gave. Creating one is the only
// test that sees read-only mounts, quotas and root's own limits alike.
int creatable_in(const std::string& folder) {
  std::string probe = folder + "/.trainsim-probe-XXXXXX";
  const int fd = mkostemp(probe.data(), O_CLOEXEC);
  if (fd < 0) return errno;
  close(fd);
  unlink(probe.c_str());
  return 0;
}

int writable_descriptor(int fd) {
  const int flags = fcntl(fd, F_GETFL);
  if (flags < 0) return errno;
  return (flags & O_ACCMODE) == O_RDONLY ? EBADF : 0;
}

// 0, or the errno of the first failed write.
int write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  return 0;
}

mode_t current_umask() {
  const mode_t mask = umask(0);
  umask(mask);
  return mask;
}

std::string folder_of(const std::filesystem::path& target) {
  const std::filesystem::path folder = target.parent_path();
  return folder.empty() ? "." : folder.string();
}

}  // namespace

OutputFiles::~OutputFiles() { remove_temporaries(); }

void OutputFiles::remove_temporaries() {
  for (Output& o : outputs_) {
    if (o.temporary.empty()) continue;
    unlink(o.temporary.c_str());
    o.temporary.clear();
  }
}

OutputFiles::Id OutputFiles::plan(std::string_view flag, const std::string& path) {
  TS_CHECK(!committed_, "{} planned after commit", path);
  Output o;
  o.flag = flag;
  o.path = path.empty() ? "-" : path;
  if (o.path == "-") {
    o.kind = OutputKind::kStandardOutput;
    if (const int error = writable_descriptor(STDOUT_FILENO)) fail(flag, "standard output", error);
    outputs_.push_back(std::move(o));
    return outputs_.size() - 1;
  }
  std::filesystem::path p = o.path;
  for (int links = 0;; ++links) {
    if (links > kMaxSymbolicLinks) fail(flag, o.path, ELOOP);
    if (const std::optional<int> fd = descriptor_named(p.string())) {
      o.kind = OutputKind::kDescriptor;
      o.descriptor = *fd;
      if (const int error = writable_descriptor(*fd)) fail(flag, o.path, error);
      break;
    }
    struct stat st {};
    if (lstat(p.c_str(), &st) != 0) {
      if (errno != ENOENT) fail(flag, o.path, errno);
      o.kind = OutputKind::kReplace;  // a new file
      break;
    }
    if (S_ISLNK(st.st_mode)) {
      std::error_code ec;
      const std::filesystem::path link = std::filesystem::read_symlink(p, ec);
      if (ec) fail(flag, o.path, ec.value());
      p = link.is_absolute() ? link : p.parent_path() / link;
      continue;
    }
    if (S_ISDIR(st.st_mode)) fail(flag, o.path, EISDIR);
    if (S_ISREG(st.st_mode)) {
      if (access(p.c_str(), W_OK) != 0) fail(flag, o.path, errno);
      o.kind = OutputKind::kReplace;
      o.existed = true;
      o.mode = st.st_mode & 07777;
      o.owner = st.st_uid;
      o.group = st.st_gid;
    } else {
      if (access(p.c_str(), W_OK) != 0) fail(flag, o.path, errno);
      o.kind = OutputKind::kOpenDirect;
    }
    break;
  }
  o.target = p.string();
  if (o.kind == OutputKind::kReplace) {
    const std::string folder = folder_of(p);
    if (const int error = creatable_in(folder)) fail(flag, o.path, error, fmt::format("folder {}: ", folder));
  }
  if (o.kind == OutputKind::kReplace || o.kind == OutputKind::kOpenDirect) {
    // (weakly_canonical leaves a relative path relative when none of it exists yet: absolute first.)
    const auto resolved = [](const std::filesystem::path& spelled) {
      std::error_code ec;
      const std::filesystem::path full = std::filesystem::weakly_canonical(std::filesystem::absolute(spelled, ec), ec);
      return ec ? std::filesystem::path() : full;
    };
    const std::filesystem::path same = resolved(p);
    for (const Output& earlier : outputs_) {
      if (earlier.kind != o.kind || same.empty()) continue;
      if (resolved(earlier.target) == same)
        throw ConfigError(SourceLocation{std::string(flag), 0, 0, {}},
                          fmt::format("{} is also the file of {}", o.path, earlier.flag), "a file of its own",
                          "the second write would replace the first");
    }
  }
  outputs_.push_back(std::move(o));
  return outputs_.size() - 1;
}

void OutputFiles::stage(Id id, std::string_view contents) {
  Output& o = outputs_.at(id);
  TS_CHECK(!o.staged && !committed_, "{} staged twice", o.path);
  o.staged = true;
  if (o.kind != OutputKind::kReplace) {
    o.contents = contents;
    return;
  }
  const std::filesystem::path target = o.target;
  std::string temporary = folder_of(target) + "/." + target.filename().string().substr(0, kMaxNameInTemporary) +
                          ".XXXXXX";
  const int fd = mkostemp(temporary.data(), O_CLOEXEC);
  if (fd < 0) fail(o.flag, o.path, errno);
  o.temporary = temporary;
  if (o.existed) {
    // Root keeps a file's owner when it replaces it; anyone else cannot give a file away, and the new file is
    // theirs, as with cp. Before fchmod, since chown clears the set-user-ID bit.
    if (fchown(fd, o.owner, o.group) != 0) errno = 0;
  }
  int error = fchmod(fd, o.existed ? o.mode : 0666 & ~current_umask()) != 0 ? errno : 0;
  if (error == 0) error = write_all(fd, contents);
  if (close(fd) != 0 && error == 0) error = errno;
  if (error != 0) {
    unlink(o.temporary.c_str());
    o.temporary.clear();
    fail(o.flag, o.path, error);
  }
}

void OutputFiles::commit() {
  TS_CHECK(!committed_, "committed twice");
  for (const Output& o : outputs_) TS_CHECK(o.staged, "{} was planned but not staged", o.path);
  committed_ = true;
  for (Output& o : outputs_) {
    if (o.kind != OutputKind::kReplace) continue;
    if (std::rename(o.temporary.c_str(), o.target.c_str()) != 0) {
      const int error = errno;
      remove_temporaries();
      fail(o.flag, o.path, error);
    }
    o.temporary.clear();
  }
  for (Output& o : outputs_) {
    switch (o.kind) {
      case OutputKind::kReplace: break;
      case OutputKind::kStandardOutput: write_standard_output(o.contents); break;
      case OutputKind::kDescriptor: {
        if (o.descriptor == STDOUT_FILENO) {
          write_standard_output(o.contents);
          break;
        }
        std::fflush(stdout);  // what this process printed before comes first
        if (const int error = write_all(o.descriptor, o.contents)) fail(o.flag, o.path, error);
        break;
      }
      case OutputKind::kOpenDirect: {
        const int fd = open(o.target.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) fail(o.flag, o.path, errno);
        int error = write_all(fd, o.contents);
        if (close(fd) != 0 && error == 0) error = errno;
        if (error != 0) fail(o.flag, o.path, error);
        break;
      }
    }
    o.contents = {};
  }
}

void write_output_file(const std::string& path, std::string_view contents) {
  OutputFiles outputs;
  const OutputFiles::Id id = outputs.plan("", path);
  outputs.stage(id, contents);
  outputs.commit();
}

void write_standard_output(std::string_view text) {
  errno = 0;
  const bool written = text.empty() || std::fwrite(text.data(), 1, text.size(), stdout) == text.size();
  if (!written || std::fflush(stdout) != 0)
    throw Error(fmt::format("cannot write standard output: {}", std::strerror(errno != 0 ? errno : EIO)));
}

}  // namespace trainsim
