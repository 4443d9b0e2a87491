#include "keys/fingerprint.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

#include "crypto/hash.hpp"
#include "wire/base64.hpp"

namespace skiff::keys {

namespace {

// Field geometry and symbols of OpenSSH's fingerprint_randomart.
constexpr int kFieldBase = 8;
constexpr int kFieldHeight = kFieldBase + 1;     // 9
constexpr int kFieldWidth = kFieldBase * 2 + 1;  // 17
constexpr std::string_view kAugmentation = " .o+=*BOX@%&#/^SE";
constexpr std::size_t kMaxSymbol = kAugmentation.size() - 1;  // 16: 'E'
constexpr std::size_t kStartSymbol = kMaxSymbol - 1;          // 15: 'S'
constexpr std::size_t kMaxVisits = kMaxSymbol - 2;            // 14: '^'
// OpenSSH formats the labels into char[17] with snprintf: at most 16 characters survive.
constexpr std::size_t kLabelBuffer = kFieldWidth;

// snprintf(buf, 17, "[%s]", text): the formatted length and the kept (truncated) text.
std::string bracketed(std::string_view text, std::size_t& formatted_length) {
  std::string out = "[" + std::string(text) + "]";
  formatted_length = out.size();
  if (out.size() > kLabelBuffer - 1) out.resize(kLabelBuffer - 1);
  return out;
}

// A border line: '+', the label centred in kFieldWidth dashes (extra dash on the right),
// '+'.
void append_border(std::string& out, const std::string& label) {
  const std::size_t left = (kFieldWidth - label.size()) / 2;
  out += '+';
  out.append(left, '-');
  out += label;
  out.append(kFieldWidth - left - label.size(), '-');
  out += '+';
}

}  // namespace

std::string fingerprint_sha256(wire::ByteView public_blob) {
  auto digest = crypto::hash(crypto::HashAlg::sha256, public_blob);
  return "SHA256:" + wire::base64_encode(digest, false);
}

std::string fingerprint_md5(wire::ByteView public_blob) {
  static constexpr char kHex[] = "0123456789abcdef";
  auto digest = crypto::md5(public_blob);
  std::string out = "MD5:";
  for (std::size_t i = 0; i < digest.size(); ++i) {
    if (i != 0) out += ':';
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0x0f];
  }
  return out;
}

std::string key_size_title(crypto::KeyType type, std::size_t bits) {
  std::string_view name = "RSA";
  switch (type) {
    case crypto::KeyType::ed25519: name = "ED25519"; break;
    case crypto::KeyType::ecdsa_p256:
    case crypto::KeyType::ecdsa_p384:
    case crypto::KeyType::ecdsa_p521: name = "ECDSA"; break;
    case crypto::KeyType::rsa: name = "RSA"; break;
  }
  return std::string(name) + " " + std::to_string(bits);
}

std::string randomart(wire::ByteView digest, std::string_view title, std::string_view hash_name) {
  std::array<std::array<std::uint8_t, kFieldHeight>, kFieldWidth> field{};
  int x = kFieldWidth / 2;
  int y = kFieldHeight / 2;

  // Each byte gives four moves, low bit pair first: bit 0 is right/left, bit 1 is
  // down/up. The bishop stops at the walls; every square counts its visits up to '^'.
  for (std::uint8_t byte : digest) {
    unsigned input = byte;
    for (int step = 0; step < 4; ++step) {
      x += (input & 0x1) != 0 ? 1 : -1;
      y += (input & 0x2) != 0 ? 1 : -1;
      x = std::clamp(x, 0, kFieldWidth - 1);
      y = std::clamp(y, 0, kFieldHeight - 1);
      if (field[x][y] < kMaxVisits) ++field[x][y];
      input >>= 2;
    }
  }
  // Start and end are marked last: an end in the middle replaces the S.
  field[kFieldWidth / 2][kFieldHeight / 2] = static_cast<std::uint8_t>(kStartSymbol);
  field[x][y] = static_cast<std::uint8_t>(kMaxSymbol);

  // "[TYPE BITS]", or "[TYPE]" if that does not fit the 17-byte buffer (OpenSSH tests
  // the formatted length r > 17, so exactly 17 is cut to 16 rather than falling back).
  std::size_t formatted = 0;
  std::string title_label = bracketed(title, formatted);
  if (formatted > kLabelBuffer) title_label = bracketed(title.substr(0, title.find(' ')), formatted);
  std::string hash_label = bracketed(hash_name, formatted);

  std::string out;
  out.reserve(static_cast<std::size_t>((kFieldWidth + 3) * (kFieldHeight + 2)));
  append_border(out, title_label);
  out += '\n';
  for (int row = 0; row < kFieldHeight; ++row) {
    out += '|';
    for (int col = 0; col < kFieldWidth; ++col) {
      out += kAugmentation[std::min<std::size_t>(field[col][row], kMaxSymbol)];
    }
    out += "|\n";
  }
  append_border(out, hash_label);
  return out;
}

}  // namespace skiff::keys
