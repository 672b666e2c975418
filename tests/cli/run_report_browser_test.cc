// The report page in a real browser: `trainsim run --report` on the default scenario, opened in headless
// Chromium (scripts/setup.sh --test installs it), must render: a screenshot that is not blank, the expected
// headings in the rendered DOM, nothing on the console (the page has no script, so any console message is a
// fault). Each check is first shown to catch a page built to fail it. Without Chromium the test fails: a skipped
// browser check would let a broken page through unnoticed.
#include <gtest/gtest.h>
#include <png.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "cli_test_files.h"
#include "run_trainsim.h"

namespace trainsim::testing {
namespace {

namespace fs = std::filesystem;

// Chromium on the PATH under Debian's name or the other usual ones; empty when there is none.
std::string find_chromium() {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "");
  std::vector<std::string> folders;
  for (std::string dir; std::getline(dirs, dir, ':');) folders.push_back(dir);
  for (const char* name : {"chromium", "chromium-browser", "google-chrome"})
    for (const std::string& dir : folders)
      if (!dir.empty() && access((fs::path(dir) / name).c_str(), X_OK) == 0) return (fs::path(dir) / name).string();
  return "";
}

struct Screenshot {
  int width = 0, height = 0;
  double non_white_share = 0;  // of the pixels
  std::size_t colours = 0;     // distinct RGB values
};

// libpng's simplified API: the whole image as 8-bit RGBA.
Screenshot decode_png(const fs::path& file) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  Screenshot out;
  if (!png_image_begin_read_from_file(&image, file.c_str())) return out;
  image.format = PNG_FORMAT_RGBA;
  std::vector<png_byte> pixels(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, nullptr, pixels.data(), 0, nullptr)) return out;
  out.width = static_cast<int>(image.width);
  out.height = static_cast<int>(image.height);
  std::set<uint32_t> colours;
  std::size_t non_white = 0;
  for (std::size_t i = 0; i + 3 < pixels.size(); i += 4) {
    const uint32_t rgb = (uint32_t{pixels[i]} << 16) | (uint32_t{pixels[i + 1]} << 8) | pixels[i + 2];
    colours.insert(rgb);
    if (rgb != 0xffffff) ++non_white;
  }
  out.colours = colours.size();
  out.non_white_share = static_cast<double>(non_white) / (static_cast<double>(pixels.size()) / 4);
  return out;
}

struct BrowserView {
  int exit_code = -1;
  std::string dom;                            // --dump-dom: the DOM after the page loaded
  std::vector<std::string> console_messages;  // Chromium's "CONSOLE" log lines
  Screenshot screenshot;
};

// One headless run: screenshot and DOM together (about 2 s). Flags: --no-sandbox as the tests run as root in a
// container, where Chromium's sandbox cannot start; --disable-gpu, no GPU here; a fresh profile per run;
// --enable-logging=stderr --v=0 prints every console message as a "...:CONSOLE:N] "text", source: ..." line.
BrowserView open_in_chromium(const std::string& chromium, const fs::path& html, const std::string& name) {
  const fs::path dir = fs::path(::testing::TempDir()) / ("browser_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path png = dir / "screenshot.png", dom = dir / "dom.html", log = dir / "stderr.txt";
  const std::string command = "timeout 60 '" + chromium + "' --headless --no-sandbox --disable-gpu --hide-scrollbars "
                              "--user-data-dir='" + (dir / "profile").string() + "' --window-size=1280,2400 "
                              "--screenshot='" + png.string() + "' --dump-dom --enable-logging=stderr --v=0 'file://" +
                              fs::absolute(html).string() + "' > '" + dom.string() + "' 2> '" + log.string() + "'";
  BrowserView view;
  const int status = std::system(command.c_str());
  view.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  view.dom = file_text(dom);
  std::stringstream lines(file_text(log));
  for (std::string line; std::getline(lines, line);)
    if (line.find(":CONSOLE") != std::string::npos) view.console_messages.push_back(line);
  view.screenshot = decode_png(png);
  return view;
}

// What "it rendered" means, as one list of problems (empty: it did). A blank page is white or one colour; the
// report's charts alone bring tens of colours, and its text and tables cover well over 2% of the first screen
// (assumption, set well under what the default scenario's page shows: see the test's output).
std::vector<std::string> rendering_problems(const BrowserView& view, const std::vector<std::string>& headings) {
  std::vector<std::string> problems;
  if (view.exit_code != 0) problems.push_back("chromium exited with " + std::to_string(view.exit_code));
  if (view.screenshot.width != 1280) problems.push_back("no screenshot of the window's width");
  if (view.screenshot.colours < 16 || view.screenshot.non_white_share < 0.02)
    problems.push_back("blank screenshot: " + std::to_string(view.screenshot.colours) + " colours, " +
                       std::to_string(view.screenshot.non_white_share) + " non-white");
  for (const std::string& heading : headings)
    if (view.dom.find(heading) == std::string::npos) problems.push_back("no " + heading + " in the DOM");
  for (const std::string& message : view.console_messages) problems.push_back("console: " + message);
  return problems;
}

const std::vector<std::string> kHeadings = {"<h1>trainsim: deepseek-v3 on 2048 x h800</h1>", "<h2>Summary</h2>",
                                            "<h2>Step time</h2>", "<h2>Memory per GPU</h2>", "<h2>Pipeline timeline</h2>",
                                            "<h2>Cost per phase</h2>", "<h2>Assumptions</h2>"};

class RunReportBrowser : public ::testing::Test {
 protected:
  void SetUp() override {
    chromium_ = find_chromium();
    ASSERT_FALSE(chromium_.empty()) << "no chromium on the PATH: scripts/setup.sh --test installs Debian's";
  }
  std::string chromium_;
};

TEST_F(RunReportBrowser, TheChecksCatchABlankPageAConsoleErrorAndAMissingHeading) {
  const fs::path dir = fs::path(::testing::TempDir()) / "browser_broken_pages";
  fs::create_directories(dir);
  std::ofstream(dir / "blank.html") << "<!DOCTYPE html><html><head><title>x</title></head><body></body></html>\n";
  std::ofstream(dir / "console.html")
      << "<!DOCTYPE html><html><head><title>x</title></head><body><h1>x</h1><script>console.error('deliberate');"
         "</script></body></html>\n";
  const std::vector<std::string> blank = rendering_problems(open_in_chromium(chromium_, dir / "blank.html", "blank"), {"<h1>x</h1>"});
  ASSERT_FALSE(blank.empty());
  EXPECT_NE(blank[0].find("blank screenshot"), std::string::npos) << blank[0];
  EXPECT_NE(blank.back().find("no <h1>x</h1>"), std::string::npos) << blank.back();
  const std::vector<std::string> console = rendering_problems(open_in_chromium(chromium_, dir / "console.html", "console"), {});
  ASSERT_FALSE(console.empty());
  EXPECT_NE(console.back().find("\"deliberate\""), std::string::npos) << console.back();
}

TEST_F(RunReportBrowser, TheDefaultScenariosPageRenders) {
  const fs::path dir = fs::path(::testing::TempDir()) / "browser_report";
  fs::remove_all(dir);
  // The analytic fidelity: the same page sections in milliseconds; the page's rendering is what is tested here.
  const ProcessResult run = run_trainsim({"run", "--fidelity", "analytic", "--report", (dir / "page").string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const BrowserView view = open_in_chromium(chromium_, dir / "page" / "index.html", "report_view");
  const std::vector<std::string> problems = rendering_problems(view, kHeadings);
  for (const std::string& problem : problems) ADD_FAILURE() << problem;
  EXPECT_NE(view.dom.find("<svg"), std::string::npos);  // the pictures inline
  std::printf("screenshot %s: %zu colours, %.1f%% non-white\n",
              (fs::path(::testing::TempDir()) / "browser_report_view" / "screenshot.png").c_str(), view.screenshot.colours,
              100 * view.screenshot.non_white_share);
}

}  // namespace
}  // namespace trainsim::testing
