// Bounded reading of input files (see input_file.h).
#include "core/input_file.h"

#include <filesystem>
#include <fstream>

#include "core/units.h"

namespace trainsim {
namespace {

std::string bytes_text(std::uintmax_t bytes) { return format_quantity(static_cast<double>(bytes), Dimension::kBytes); }

// `size_bytes` 0: a stream that did not end within the limit.
[[noreturn]] void too_large(const std::string& path, std::string_view what, std::uintmax_t size_bytes,
                            std::uintmax_t max_bytes, const SourceLocation& where) {
  const std::string limit = bytes_text(max_bytes);
  const std::string size = size_bytes > 0 ? fmt::format("{} ({} bytes), ", bytes_text(size_bytes), size_bytes)
                                          : std::string();
  throw ConfigError(where, fmt::format("the {} '{}' is {}over the limit of {}", what, path, size, limit),
                    fmt::format("a {} of at most {}", what, limit),
                    "is it the right file? Input files are read whole before they are checked");
}

}  // namespace

std::optional<std::string> read_input_file(const std::string& path, std::string_view what, std::uintmax_t max_bytes,
                                           const SourceLocation& where) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) return std::nullopt;
  // A regular file's size is known before a byte is read: an oversize file fails at once.
  const std::uintmax_t size = std::filesystem::file_size(path, error);
  if (!error && std::filesystem::is_regular_file(path, error) && size > max_bytes)
    too_large(path, what, size, max_bytes, where);
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return read_input_stream(in, path, what, max_bytes, where);
}

std::string read_input_stream(std::istream& in, const std::string& name, std::string_view what,
                              std::uintmax_t max_bytes, const SourceLocation& where) {
  std::string text(max_bytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > max_bytes) too_large(name, what, 0, max_bytes, where);
  return text;
}

}  // namespace trainsim
