#include "keys/public_key_text.hpp"

#include <algorithm>
#include <optional>
#include <vector>

#include "crypto/pem.hpp"
#include "keys/ssh_key.hpp"
#include "wire/base64.hpp"
#include "wire/limits.hpp"
#include "wire/reader.hpp"

namespace skiff::keys {

namespace {

constexpr std::string_view kBegin = "---- BEGIN SSH2 PUBLIC KEY ----";
constexpr std::string_view kEnd = "---- END SSH2 PUBLIC KEY ----";
constexpr std::string_view kPrivateBegin = "---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----";
// RFC 4716 3.3: header lines and body lines are at most 72 bytes, header tags at most
// 64, header values at most 1024.
constexpr std::size_t kMaxRfcLine = 72;
constexpr std::size_t kMaxHeaderTag = 64;
constexpr std::size_t kMaxHeaderValue = 1024;
// ssh-keygen -e wraps the base64 body at 70 characters.
constexpr std::size_t kBodyLineWidth = 70;
// Base64 of the largest blob that decode_public_blob accepts.
constexpr std::size_t kMaxBlobBase64 = (limits::kMaxHostKeyBlob + 2) / 3 * 4;

bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::string_view trim_end(std::string_view s) {
  while (!s.empty() && (is_blank(s.back()) || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (is_blank(s.front()) || s.front() == '\r')) s.remove_prefix(1);
  return trim_end(s);
}

bool is_printable_word(std::string_view s) {
  return !s.empty() && s.size() <= limits::kMaxAlgorithmNameLength &&
         std::all_of(s.begin(), s.end(), [](char c) { return c > ' ' && c < 0x7f; });
}

// Quoted for error messages only when it cannot garble the terminal.
std::string shown(std::string_view word) {
  return is_printable_word(word) ? "\"" + std::string(word) + "\"" : std::string("(unprintable)");
}

bool known_type_name(std::string_view name) {
  for (auto t : {crypto::KeyType::ed25519, crypto::KeyType::ecdsa_p256, crypto::KeyType::ecdsa_p384,
                 crypto::KeyType::ecdsa_p521, crypto::KeyType::rsa}) {
    if (key_type_name(t) == name) return true;
  }
  return false;
}

// A base64 blob as key files carry it: the name inside must be expected_type (when
// given) before the key itself is decoded, so that a mismatch is reported as such.
Result<crypto::PublicKey> decode_blob_text(std::string_view b64, std::optional<std::string_view> expected_type) {
  if (b64.size() > kMaxBlobBase64) return fail(Errc::too_large, "public key blob too large");
  auto blob = wire::base64_decode(b64);
  if (!blob) return fail(Errc::bad_format, "public key is not valid base64");
  if (expected_type) {
    wire::Reader r(*blob);
    auto inner = r.text(limits::kMaxAlgorithmNameLength);
    if (!inner) return fail(inner.error().code, "malformed public key blob: " + inner.error().message);
    if (*inner != *expected_type) {
      return fail(Errc::bad_format, "key type " + shown(*expected_type) + " does not match the type " +
                                        shown(*inner) + " inside the key");
    }
  }
  auto key = decode_public_blob(*blob);
  if (!key) return fail(key.error().code, "malformed public key blob: " + key.error().message);
  return key;
}

// RFC 4716 3.1: lines end in CR LF, LF or CR alone.
std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\n' && text[i] != '\r') continue;
    lines.push_back(text.substr(start, i - start));
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
    start = i + 1;
  }
  if (start < text.size()) lines.push_back(text.substr(start));
  return lines;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
           return lower(x) == lower(y);
         });
}

bool valid_header_tag(std::string_view tag) {
  return !tag.empty() && tag.size() <= kMaxHeaderTag &&
         std::all_of(tag.begin(), tag.end(), [](char c) { return c > ' ' && c < 0x7f && c != ':'; });
}

// The start of a UTF-8 sequence or an ASCII byte: a place where a header line may be cut.
bool is_char_start(char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }

}  // namespace

Result<PublicKeyText> parse_public_key_line(std::string_view line) {
  if (line.size() > limits::kMaxKeyFileLine) return fail(Errc::too_large, "public key line too long");
  if (line.find('\n') != std::string_view::npos) return fail(Errc::bad_format, "public key line holds a newline");
  std::size_t pos = 0;
  while (pos < line.size() && is_blank(line[pos])) ++pos;
  const std::size_t type_end = std::min(line.size(), line.find_first_of(" \t", pos));
  const std::string_view type = line.substr(pos, type_end - pos);
  if (type.empty()) return fail(Errc::bad_format, "empty public key line");
  if (!known_type_name(type)) return fail(Errc::unsupported, "unknown key type " + shown(type));
  pos = type_end;
  while (pos < line.size() && is_blank(line[pos])) ++pos;
  const std::size_t blob_end = std::min(line.size(), line.find_first_of(" \t", pos));
  const std::string_view b64 = trim(line.substr(pos, blob_end - pos));
  if (b64.empty()) return fail(Errc::bad_format, "public key line has no key data");
  auto key = decode_blob_text(b64, type);
  if (!key) return std::unexpected(key.error());
  return PublicKeyText{std::move(*key), std::string(trim(line.substr(blob_end)))};
}

std::string format_public_key_line(const crypto::PublicKey& key, std::string_view comment) {
  std::string out(key_type_name(key.type()));
  out += ' ';
  out += wire::base64_encode(encode_public_blob(key));
  if (!comment.empty()) {
    out += ' ';
    out += comment;
  }
  return out;
}

// Lines longer than the RFC's 72 bytes are accepted (up to limits::kMaxKeyFileLine):
// the limit is for writers, and other tools' files do not always keep it.
Result<PublicKeyText> parse_rfc4716(std::string_view text) {
  if (text.size() > limits::kMaxKeyFileBytes) return fail(Errc::too_large, "public key file larger than 1 MiB");
  const std::vector<std::string_view> lines = split_lines(text);
  std::size_t i = 0;
  while (i < lines.size() && trim(lines[i]).empty()) ++i;
  if (i == lines.size()) return fail(Errc::bad_format, "empty public key file");
  if (trim(lines[i]) == kPrivateBegin) return fail(Errc::unsupported, "SSH2 private keys are not supported");
  if (trim(lines[i]) != kBegin) return fail(Errc::bad_format, "no \"" + std::string(kBegin) + "\" line");
  ++i;

  std::optional<std::string> comment;
  std::string body;
  bool in_body = false;
  for (; i < lines.size(); ++i) {
    if (lines[i].size() > limits::kMaxKeyFileLine) return fail(Errc::too_large, "RFC 4716 line too long");
    const std::string_view line = trim(lines[i]);
    if (line == kEnd) break;
    if (line.starts_with("----")) return fail(Errc::bad_format, "unexpected marker line in RFC 4716 key");
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      in_body = true;
      body += line;
      if (body.size() > kMaxBlobBase64) return fail(Errc::too_large, "public key blob too large");
      continue;
    }
    if (in_body) return fail(Errc::bad_format, "RFC 4716 header after the key data");
    const std::string_view tag = line.substr(0, colon);
    if (!valid_header_tag(tag)) return fail(Errc::bad_format, "malformed RFC 4716 header tag");
    // The value runs on over the following lines while a line ends in a backslash.
    std::string value(trim(line.substr(colon + 1)));
    while (!value.empty() && value.back() == '\\') {
      value.pop_back();
      if (++i == lines.size()) return fail(Errc::bad_format, "RFC 4716 header continues past the end");
      if (lines[i].size() > limits::kMaxKeyFileLine) return fail(Errc::too_large, "RFC 4716 line too long");
      // Leading blanks belong to the value: a writer may have cut the line before one.
      value += trim_end(lines[i]);
      if (value.size() > kMaxHeaderValue) return fail(Errc::bad_format, "RFC 4716 header value too long");
    }
    if (value.size() > kMaxHeaderValue) return fail(Errc::bad_format, "RFC 4716 header value too long");
    if (!comment && equals_ignoring_case(tag, "Comment")) {
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
      comment = std::move(value);
    }
  }
  if (i == lines.size()) return fail(Errc::bad_format, "no \"" + std::string(kEnd) + "\" line");
  if (body.empty()) return fail(Errc::bad_format, "RFC 4716 key without key data");
  auto key = decode_blob_text(body, std::nullopt);
  if (!key) return std::unexpected(key.error());
  return PublicKeyText{std::move(*key), comment.value_or(std::string{})};
}

std::string format_rfc4716(const crypto::PublicKey& key, std::string_view comment) {
  std::string out(kBegin);
  out += '\n';
  if (!comment.empty()) {
    // A header line longer than 72 bytes goes on in continuation lines, each but the
    // last ending in a backslash, cut between UTF-8 characters.
    // The value (quotes included) is cut to the RFC's 1024 bytes, as ssh-keygen cuts its
    // own comment to fit; a line break inside would end the header early.
    std::size_t keep = std::min(comment.size(), kMaxHeaderValue - 2);
    while (keep < comment.size() && keep > 0 && !is_char_start(comment[keep])) --keep;
    std::string header = "Comment: \"" + std::string(comment.substr(0, keep)) + "\"";
    std::replace_if(header.begin(), header.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
    std::string_view rest = header;
    while (rest.size() > kMaxRfcLine) {
      std::size_t cut = kMaxRfcLine - 1;
      while (cut > kMaxRfcLine - 4 && !is_char_start(rest[cut])) --cut;
      out += rest.substr(0, cut);
      out += "\\\n";
      rest.remove_prefix(cut);
    }
    out += rest;
    out += '\n';
  }
  const std::string b64 = wire::base64_encode(encode_public_blob(key));
  for (std::size_t pos = 0; pos < b64.size(); pos += kBodyLineWidth) {
    out += std::string_view(b64).substr(pos, kBodyLineWidth);
    out += '\n';
  }
  out += kEnd;
  out += '\n';
  return out;
}

Result<PublicKeyText> parse_public_key_any(std::string_view text) {
  if (text.size() > limits::kMaxKeyFileBytes) return fail(Errc::too_large, "public key file larger than 1 MiB");
  // Blank lines, and '#' comment lines as OpenSSH skips them in key.pub files.
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t end = std::min(text.size(), text.find('\n', pos));
    const std::string_view line = trim(text.substr(pos, end - pos));
    if (!line.empty() && line.front() != '#') break;
    pos = end + 1;
  }
  if (pos >= text.size()) return fail(Errc::bad_format, "no public key found");
  const std::string_view rest = text.substr(pos);
  const std::string_view first = trim(rest.substr(0, rest.find('\n')));
  if (first.starts_with("---- BEGIN SSH2")) return parse_rfc4716(rest);
  if (first.starts_with("-----BEGIN ")) {
    auto key = crypto::public_key_from_pem(rest);
    if (!key) return std::unexpected(key.error());
    return PublicKeyText{std::move(*key), {}};
  }
  return parse_public_key_line(trim(rest.substr(0, rest.find('\n'))));
}

}  // namespace skiff::keys
