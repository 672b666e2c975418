// A command's output files, checked before the work, staged while it runs and committed together at the end, so
// that a bad path fails in milliseconds and a failed write leaves no output behind and destroys nothing.
#pragma once
#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

namespace trainsim {

// How a path is written: decided once, when it is planned, from what the path names then.
enum class OutputKind {
  kStandardOutput,  // "-" (or an empty path): this process's standard output
  kReplace,         // a regular file or a path that does not exist yet: a unique temporary beside it, renamed over it
  kOpenDirect,      // a character or block device, a FIFO or a socket: opened and written in place, never replaced
  kDescriptor,      // /dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N: written to the open descriptor N
};

// Plan every output first (plan throws trainsim::Error naming the flag, the path and the system's reason when
// the path cannot be written: a missing or read-only folder, a directory, a file without write permission, a
// closed descriptor), then stage each one's contents (regular files go to their temporary at once), then commit.
// commit renames the temporaries first and writes the others last, as they cannot be taken back. Destroying an
// OutputFiles that was not committed removes its temporaries: an error anywhere leaves no output behind.
// A symbolic link is followed: its target gets the contents (written beside the target, then renamed) and the
// link stays a link. Temporaries are named .<name>.XXXXXX beside their target (mkstemp) and get the target's
// permissions, or 0666 less the umask for a new file, as a plain write would.
class OutputFiles {
 public:
  using Id = std::size_t;

  OutputFiles() = default;
  OutputFiles(const OutputFiles&) = delete;
  OutputFiles& operator=(const OutputFiles&) = delete;
  ~OutputFiles();

  // `flag` names the option the path came from (-o, --trace) in error messages. Two flags naming one file are
  // refused (trainsim::ConfigError), as the second would overwrite the first.
  Id plan(std::string_view flag, const std::string& path);
  // Each planned output is staged exactly once, before commit; throws trainsim::Error naming the path when
  // the temporary cannot be written (disk full), having removed it.
  void stage(Id id, std::string_view contents);
  // Renames every temporary over its target, then writes standard output and the devices in plan order. A
  // rename fails only if its folder changed since plan; the files renamed before it then stay, the rest are
  // removed. A device that fails comes after every file: the files stay, the error names the device.
  void commit();

  std::size_t size() const { return outputs_.size(); }
  OutputKind kind(Id id) const { return outputs_.at(id).kind; }
  // The path as the user gave it, and the file that gets the contents (the end of its symbolic links).
  const std::string& path(Id id) const { return outputs_.at(id).path; }
  const std::string& target(Id id) const { return outputs_.at(id).target; }

 private:
  struct Output {
    std::string flag;
    std::string path;
    std::string target;
    OutputKind kind = OutputKind::kReplace;
    int descriptor = -1;       // kDescriptor
    bool existed = false;      // kReplace: the target existed (its mode and owner carry over)
    mode_t mode = 0;
    uid_t owner = 0;
    gid_t group = 0;
    std::string temporary;     // kReplace, once staged
    std::string contents;      // kStandardOutput, kOpenDirect, kDescriptor: written at commit
    bool staged = false;
  };
  void remove_temporaries();
  std::vector<Output> outputs_;
  bool committed_ = false;
};

// One output written whole or not at all: plan, stage and commit of a single path.
void write_output_file(const std::string& path, std::string_view contents);

// Writes to this process's standard output and flushes it, so that a full disk or a closed pipe is reported
// here (trainsim::Error "cannot write standard output: <reason>") and not lost at exit.
void write_standard_output(std::string_view text);

}  // namespace trainsim
