// The file-reading half of the public key API: the core (src/keys) parses text and never
// touches the file system, so loading a key file by path lives in the runtime layer.
#include <skiff/key.hpp>

#include "crypto/secure.hpp"
#include "io/file_io.hpp"
#include "wire/limits.hpp"

namespace skiff {

Result<PrivateKey> PrivateKey::load(const std::filesystem::path& path, std::string_view passphrase) {
  auto text = io::read_file(path, limits::kMaxKeyFileBytes);
  if (!text) return std::unexpected(text.error());
  auto key = parse(*text, passphrase);
  crypto::wipe(text->data(), text->size());
  if (!key) {
    Error e = key.error();
    e.message = path.string() + ": " + e.message;
    return std::unexpected(std::move(e));
  }
  return key;
}

}  // namespace skiff
