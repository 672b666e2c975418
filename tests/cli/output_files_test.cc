// Where trainsim's output lands, run as users run it: standard output into a full device and a pipe, -o to
// /dev/stdout, /dev/full, a symbolic link, a FIFO and a device node, several outputs with one bad path (nothing
// written, and before the simulation), and schedule writing nothing unasked. Exit codes: 0, or 1 and one line.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>

#include "cli_test_files.h"
#include "run_trainsim.h"

namespace trainsim::testing {
namespace {

namespace fs = std::filesystem;

class OutputFilesCli : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* root = std::getenv("TEST_TMPDIR");
    dir_ = fs::path(root != nullptr ? root : fs::temp_directory_path().string()) /
           ("output-files-cli-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) +
            "-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string at(const std::string& name) const { return (dir_ / name).string(); }

  // The summary every test writes somewhere: the analytic run of the default scenario, in well under a second.
  static const std::string& summary() {
    static const std::string text = run_trainsim({"run", "--fidelity", "analytic"}).out;
    return text;
  }
  fs::path dir_;
};

// `sh -c command` with its standard error in a file; the exit code (-1 when killed) and that standard error.
std::pair<int, std::string> shell(const std::string& command, const std::string& err_path) {
  const int status = std::system((command + " 2> '" + err_path + "'").c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, file_text(err_path)};
}

TEST_F(OutputFilesCli, StandardOutputIntoAFullDeviceIsAnErrorOnOneLine) {
  const auto [code, err] = shell(std::string("'") + TRAINSIM_BINARY + "' run --fidelity analytic > /dev/full",
                                 at("err.txt"));
  EXPECT_EQ(code, 1);
  EXPECT_EQ(err, std::string("trainsim: error: cannot write standard output: ") + std::strerror(ENOSPC) + "\n");
}

TEST_F(OutputFilesCli, DevStdoutIntoAPipeCarriesTheText) {
  FILE* pipe = popen((std::string("'") + TRAINSIM_BINARY + "' run --fidelity analytic -o /dev/stdout 2> '" +
                      at("err.txt") + "'").c_str(),
                     "r");
  ASSERT_NE(pipe, nullptr);
  std::string piped;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) piped.append(buffer, n);
  const int status = pclose(pipe);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << file_text(at("err.txt"));
  EXPECT_EQ(piped, summary());
  EXPECT_FALSE(summary().empty());
}

TEST_F(OutputFilesCli, DevStdoutIntoAFileCarriesTheText) {
  const ProcessResult r = run_trainsim({"run", "--fidelity", "analytic", "-o", "/dev/stdout"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, summary());
}

TEST_F(OutputFilesCli, DevFullIsAnErrorNamingIt) {
  const ProcessResult r = run_trainsim({"run", "--fidelity", "analytic", "-o", "/dev/full"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, std::string("trainsim: error: cannot write /dev/full (-o): ") + std::strerror(ENOSPC) + "\n");
  EXPECT_EQ(r.out, "");
}

TEST_F(OutputFilesCli, ASymbolicLinkStaysAndItsTargetGetsTheText) {
  std::ofstream(at("real.txt")) << "old\n";
  fs::create_symlink("real.txt", at("link.txt"));
  const ProcessResult r = run_trainsim({"run", "--fidelity", "analytic", "-o", at("link.txt")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::is_symlink(at("link.txt")));
  EXPECT_EQ(file_text(at("real.txt")), summary());
}

TEST_F(OutputFilesCli, AFifoGetsTheTextAndStaysAFifo) {
  ASSERT_EQ(mkfifo(at("fifo").c_str(), 0600), 0) << std::strerror(errno);
  std::future<std::string> reader = std::async(std::launch::async, [this] { return file_text(at("fifo")); });
  const ProcessResult r = run_trainsim({"run", "--fidelity", "analytic", "-o", at("fifo")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(reader.get(), summary());
  struct stat st {};
  ASSERT_EQ(lstat(at("fifo").c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
}

TEST_F(OutputFilesCli, ADeviceNodeIsWrittenNotReplaced) {
  // A null device made here (devices.txt: char 1,3), where this process may make one.
  if (mknod(at("null").c_str(), S_IFCHR | 0666, makedev(1, 3)) != 0)
    GTEST_SKIP() << "mknod is not permitted here: " << std::strerror(errno);
  if (const int fd = open(at("null").c_str(), O_WRONLY); fd >= 0)
    close(fd);
  else
    GTEST_SKIP() << "the temporary folder's file system refuses devices (nodev?): " << std::strerror(errno);
  const ProcessResult r = run_trainsim({"run", "--fidelity", "analytic", "-o", at("null")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  struct stat st {};
  ASSERT_EQ(lstat(at("null").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
}

TEST_F(OutputFilesCli, OneBadPathOfTwoWritesNothingAndFailsBeforeTheSimulation) {
  // The gpu-fidelity step of the default scenario simulates for minutes; the bad path must stop it at once.
  for (const auto& [trace, output] : {std::pair{at("t.json"), at("missing/x.json")},
                                      std::pair{at("missing/t.json"), at("x.json")}}) {
    const auto start = std::chrono::steady_clock::now();
    const ProcessResult r = run_trainsim({"run", "--fidelity", "gpu", "--trace", trace, "-o", output});
    const double elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_NE(r.err.find("cannot write " + at("missing/")), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(std::strerror(ENOENT)), std::string::npos) << r.err;
    EXPECT_LT(elapsed_s, 10) << "the simulation ran before the paths were checked";
    EXPECT_TRUE(fs::is_empty(dir_));
  }
}

TEST_F(OutputFilesCli, ScheduleWritesNoFileUnasked) {
  const ProcessResult r = run_trainsim({"schedule"}, dir_.string());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("pipeline schedules for pp 8 and 20 micro-batches"), std::string::npos) << r.out;
  EXPECT_TRUE(fs::is_empty(dir_));
}

TEST_F(OutputFilesCli, ScheduleWritesTheFilesAsked) {
  const ProcessResult r = run_trainsim({"schedule", "--svg", "s.svg", "--trace", "s.json"}, dir_.string());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(file_text(at("s.svg")).starts_with("<?xml"));
  EXPECT_TRUE(file_text(at("s.json")).starts_with("{"));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 2);
}

}  // namespace
}  // namespace trainsim::testing
