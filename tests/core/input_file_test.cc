// Bounded reading of input files: an oversize file fails before it is read, naming the file, its size and
// the limit; a file within the limit comes back whole; a directory or a missing file is no text.
#include "core/input_file.h"

#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>

namespace trainsim {
namespace {

std::string temp_path(const std::string& name) {
  const std::string dir = ::testing::TempDir() + "trainsim-input-file-" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  return dir + "/" + name;
}

TEST(InputFile, ReadsAFileWithinTheLimitWhole) {
  const std::string path = temp_path("small.yaml");
  std::ofstream(path, std::ios::binary) << "a: 1\n";
  const std::optional<std::string> text = read_input_file(path, "scenario file", 5, {path, 0, 0, ""});
  ASSERT_TRUE(text.has_value());
  EXPECT_EQ(*text, "a: 1\n");  // exactly at the limit of 5 bytes
}

TEST(InputFile, AnOversizeFileFailsAtOnceWithItsSizeAndTheLimit) {
  const std::string path = temp_path("big.yaml");
  std::ofstream(path, std::ios::binary) << std::string(2 << 20, '#');  // 2 MiB of comment
  const auto start = std::chrono::steady_clock::now();
  try {
    read_input_file(path, "scenario file", kScenarioFileMaxBytes, {path, 0, 0, ""});
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), path + ": the scenario file '" + path + "' is 2 MiB (2097152 bytes), over the limit of "
              "1 MiB (expected a scenario file of at most 1 MiB); hint: is it the right file? Input files are read "
              "whole before they are checked");
  }
  // Checked from the file's size, before reading: well under a second (the 10 MB list took 15 s).
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

TEST(InputFile, ADirectoryOrAMissingFileIsNoText) {
  EXPECT_FALSE(read_input_file(::testing::TempDir(), "scenario file", 100, {}).has_value());
  EXPECT_FALSE(read_input_file(temp_path("absent.yaml"), "scenario file", 100, {}).has_value());
}

TEST(InputFile, TheLimitsFollowTheShippedFiles) {
  EXPECT_EQ(kScenarioFileMaxBytes, 1048576u);  // 1 MiB
  EXPECT_EQ(kHfConfigFileMaxBytes, 1048576u);
  // About 12x the largest shipped calibration, hardware/calibration/h800-trace.yaml (43 KB).
  const auto shipped = std::filesystem::file_size(std::string(TRAINSIM_SOURCE_DIR) + "/hardware/calibration/h800-trace.yaml");
  EXPECT_GT(kCalibrationFileMaxBytes, 8 * shipped);
  EXPECT_LT(kCalibrationFileMaxBytes, 16 * shipped);
}

}  // namespace
}  // namespace trainsim
