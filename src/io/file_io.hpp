// Whole-file reads with a size cap and atomic replacement (temporary file in the same
// directory, fsync, rename): for key files, known_hosts and authorized_keys.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include <skiff/error.hpp>

namespace skiff::io {

// Errc::not_found when it does not exist, Errc::too_large over max_bytes, Errc::io_error
// otherwise (message names the path and strerror).
Result<std::string> read_file(const std::filesystem::path& path, std::size_t max_bytes);

// Replaces path with content. The temporary file is created 0600 next to path, gets
// mode, is fsynced, then renamed over path; on any failure it is removed and path is
// untouched.
Result<void> write_file_atomic(const std::filesystem::path& path, std::string_view content, unsigned mode);

}  // namespace skiff::io
