// OutputFiles against what the file system holds afterwards: a regular file replaced whole with its mode, a new
// file with 0666 less the umask (POSIX creat), a link kept and its target written, FIFOs and devices written in
// place and never replaced, failures naming the path and the system's reason (strerror), and nothing left behind.
#include "core/output_files.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>

#include "core/error.h"
#include "core/read_file.h"

namespace trainsim {
namespace {

namespace fs = std::filesystem;

class OutputFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* root = std::getenv("TEST_TMPDIR");
    dir_ = fs::path(root != nullptr ? root : fs::temp_directory_path().string()) /
           ("output-files-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "-" +
            std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string at(const std::string& name) const { return (dir_ / name).string(); }
  // Every name in the folder, hidden temporaries included.
  std::vector<std::string> listing() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir_)) names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }
  // The message of the trainsim::Error that `f` throws.
  template <typename F>
  static std::string error_of(F f) {
    try {
      f();
    } catch (const Error& e) {
      return e.what();
    }
    ADD_FAILURE() << "no trainsim::Error";
    return "";
  }

  fs::path dir_;
};

void write_text(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

TEST_F(OutputFilesTest, NewFileGetsTheModeOfAPlainWrite) {
  const mode_t old_mask = umask(027);
  write_output_file(at("new.txt"), "hello\n");
  umask(old_mask);
  EXPECT_EQ(read_file(at("new.txt")), "hello\n");
  struct stat st {};
  ASSERT_EQ(stat(at("new.txt").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);  // 0666 & ~027, as open(O_CREAT, 0666) gives
  EXPECT_EQ(listing(), std::vector<std::string>{"new.txt"});
}

TEST_F(OutputFilesTest, ReplacesARegularFileWholeKeepingItsMode) {
  write_text(at("old.txt"), "a longer old content\n");
  ASSERT_EQ(chmod(at("old.txt").c_str(), 0604), 0);
  struct stat before {};
  ASSERT_EQ(stat(at("old.txt").c_str(), &before), 0);
  write_output_file(at("old.txt"), "new\n");
  EXPECT_EQ(read_file(at("old.txt")), "new\n");
  struct stat after {};
  ASSERT_EQ(stat(at("old.txt").c_str(), &after), 0);
  EXPECT_EQ(after.st_mode & 07777, 0604u);
  EXPECT_NE(after.st_ino, before.st_ino);  // a new file renamed over the old one, not the old one rewritten
  EXPECT_EQ(listing(), std::vector<std::string>{"old.txt"});
}

TEST_F(OutputFilesTest, WritesThroughASymbolicLinkAndKeepsTheLink) {
  write_text(at("target.txt"), "old\n");
  fs::create_symlink("target.txt", at("link.txt"));  // relative, as ln -s writes it
  write_output_file(at("link.txt"), "through the link\n");
  EXPECT_TRUE(fs::is_symlink(at("link.txt")));
  EXPECT_EQ(fs::read_symlink(at("link.txt")), "target.txt");
  EXPECT_EQ(read_file(at("target.txt")), "through the link\n");

  fs::create_symlink("missing.txt", at("dangling.txt"));  // a link to a file still to be made makes it
  write_output_file(at("dangling.txt"), "made\n");
  EXPECT_TRUE(fs::is_symlink(at("dangling.txt")));
  EXPECT_EQ(read_file(at("missing.txt")), "made\n");
}

TEST_F(OutputFilesTest, WritesIntoAFifoAndLeavesItAFifo) {
  ASSERT_EQ(mkfifo(at("fifo").c_str(), 0600), 0) << std::strerror(errno);
  std::future<std::string> reader = std::async(std::launch::async, [this] { return read_file(at("fifo")); });
  write_output_file(at("fifo"), "down the pipe\n");
  EXPECT_EQ(reader.get(), "down the pipe\n");
  struct stat st {};
  ASSERT_EQ(lstat(at("fifo").c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_EQ(listing(), std::vector<std::string>{"fifo"});
}

// A character device node made here (Linux's devices.txt: 1,3 is null, 1,7 is full), when this process may.
std::string device_or_skip_reason(const std::string& path, unsigned minor) {
  if (mknod(path.c_str(), S_IFCHR | 0666, makedev(1, minor)) != 0)
    return std::string("mknod is not permitted here: ") + std::strerror(errno);
  const int fd = open(path.c_str(), O_WRONLY);
  if (fd < 0) return std::string("the temporary folder's file system refuses devices (nodev?): ") + std::strerror(errno);
  close(fd);
  return "";
}

TEST_F(OutputFilesTest, WritesIntoACharacterDeviceAndLeavesItADevice) {
  if (const std::string reason = device_or_skip_reason(at("null"), 3); !reason.empty()) GTEST_SKIP() << reason;
  write_output_file(at("null"), "gone\n");
  struct stat st {};
  ASSERT_EQ(lstat(at("null").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(listing(), std::vector<std::string>{"null"});
}

TEST_F(OutputFilesTest, AFullDeviceIsAnErrorWithTheSystemsReason) {
  if (const std::string reason = device_or_skip_reason(at("full"), 7); !reason.empty()) GTEST_SKIP() << reason;
  EXPECT_EQ(error_of([&] { write_output_file(at("full"), "x"); }),
            "cannot write " + at("full") + ": " + std::strerror(ENOSPC));
  struct stat st {};
  ASSERT_EQ(lstat(at("full").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
}

TEST_F(OutputFilesTest, DevFullIsWrittenInPlaceAndFails) {
  // Only read from /dev: planning inspects it, and its write fails with ENOSPC (Linux null(4)).
  OutputFiles outputs;
  const OutputFiles::Id id = outputs.plan("-o", "/dev/full");
  EXPECT_EQ(outputs.kind(id), OutputKind::kOpenDirect);
  outputs.stage(id, "x");
  EXPECT_EQ(error_of([&] { outputs.commit(); }), std::string("cannot write /dev/full (-o): ") + std::strerror(ENOSPC));
}

TEST_F(OutputFilesTest, DescriptorPathsWriteToTheOpenDescriptor) {
  int ends[2];
  ASSERT_EQ(pipe(ends), 0);
  OutputFiles outputs;
  const OutputFiles::Id id = outputs.plan("-o", "/dev/fd/" + std::to_string(ends[1]));
  EXPECT_EQ(outputs.kind(id), OutputKind::kDescriptor);
  outputs.stage(id, "through fd\n");
  outputs.commit();
  close(ends[1]);
  char buffer[64] = {};
  EXPECT_EQ(::read(ends[0], buffer, sizeof buffer), 11);
  close(ends[0]);
  EXPECT_EQ(std::string(buffer), "through fd\n");

  OutputFiles closed;
  EXPECT_EQ(error_of([&] { closed.plan("-o", "/dev/fd/" + std::to_string(ends[1])); }),
            "cannot write /dev/fd/" + std::to_string(ends[1]) + " (-o): " + std::strerror(EBADF));
}

TEST_F(OutputFilesTest, BadPathsFailWhenPlannedNamingFlagAndReason) {
  OutputFiles outputs;
  EXPECT_EQ(error_of([&] { outputs.plan("--trace", at("missing/t.json")); }),
            "cannot write " + at("missing/t.json") + " (--trace): folder " + at("missing") + ": " +
                std::strerror(ENOENT));
  EXPECT_EQ(error_of([&] { outputs.plan("-o", dir_.string()); }),
            "cannot write " + dir_.string() + " (-o): " + std::strerror(EISDIR));
  write_text(at("file"), "");
  EXPECT_EQ(error_of([&] { outputs.plan("-o", at("file/x")); }),
            "cannot write " + at("file/x") + " (-o): " + std::strerror(ENOTDIR));
  EXPECT_EQ(listing(), std::vector<std::string>{"file"});
}

TEST_F(OutputFilesTest, TwoFlagsNamingOneFileAreRefused) {
  const fs::path working_dir = fs::current_path();
  fs::current_path(dir_);  // relative spellings of one new file too
  for (const auto& [first, second] : {std::pair<std::string, std::string>{at("same.json"), "./same.json"},
                                      {"same.json", "./same.json"}, {"same.json", at("same.json")}}) {
    OutputFiles outputs;
    outputs.plan("--trace", first);
    try {
      outputs.plan("-o", second);
      ADD_FAILURE() << "no ConfigError for " << first << " and " << second;
    } catch (const ConfigError& e) {
      EXPECT_EQ(e.where().file, "-o");
      EXPECT_NE(std::string(e.what()).find("is also the file of --trace"), std::string::npos) << e.what();
    }
  }
  fs::current_path(working_dir);
  EXPECT_TRUE(listing().empty());
}

TEST_F(OutputFilesTest, NothingIsLeftWhenNotCommitted) {
  {
    OutputFiles outputs;
    outputs.stage(outputs.plan("--trace", at("trace.json")), "a big trace");
    outputs.stage(outputs.plan("-o", at("summary.txt")), "summary");
    // An error between staging and commit unwinds through here.
  }
  EXPECT_TRUE(listing().empty());
}

TEST_F(OutputFilesTest, CommitWritesEveryStagedFile) {
  write_text(at("summary.txt"), "old summary");
  OutputFiles outputs;
  const OutputFiles::Id trace = outputs.plan("--trace", at("trace.json"));
  const OutputFiles::Id summary = outputs.plan("-o", at("summary.txt"));
  outputs.stage(trace, "trace");
  outputs.stage(summary, "summary");
  EXPECT_EQ(read_file(at("summary.txt")), "old summary");  // untouched until commit
  EXPECT_EQ(listing().size(), 3u);                         // the two temporaries beside it
  outputs.commit();
  EXPECT_EQ(read_file(at("trace.json")), "trace");
  EXPECT_EQ(read_file(at("summary.txt")), "summary");
  EXPECT_EQ(listing(), (std::vector<std::string>{"summary.txt", "trace.json"}));
}

TEST_F(OutputFilesTest, TemporariesOfOneTargetAreUnique) {
  OutputFiles first, second;  // two runs writing the same file at once
  first.stage(first.plan("-o", at("x.json")), "first");
  second.stage(second.plan("-o", at("x.json")), "second");
  EXPECT_EQ(listing().size(), 2u);
  first.commit();
  second.commit();
  EXPECT_EQ(read_file(at("x.json")), "second");
  EXPECT_EQ(listing(), std::vector<std::string>{"x.json"});
}

TEST_F(OutputFilesTest, AFailedWriteRemovesItsTemporary) {
  // RLIMIT_FSIZE makes a write past it fail with EFBIG (setrlimit(2)) once SIGXFSZ is ignored.
  struct rlimit old_limit {};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = old_limit;
  small.rlim_cur = 1024;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  OutputFiles outputs;
  const OutputFiles::Id id = outputs.plan("-o", at("big.txt"));
  const std::string message = error_of([&] { outputs.stage(id, std::string(4096, 'x')); });
  setrlimit(RLIMIT_FSIZE, &old_limit);
  std::signal(SIGXFSZ, old_handler);
  EXPECT_EQ(message, "cannot write " + at("big.txt") + " (-o): " + std::strerror(EFBIG));
  EXPECT_TRUE(listing().empty());
}

}  // namespace
}  // namespace trainsim
