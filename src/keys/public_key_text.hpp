// Public keys as text: the one-line OpenSSH form of key.pub / authorized_keys /
// known_hosts ("type base64 comment"), RFC 4716 ("---- BEGIN SSH2 PUBLIC KEY ----", as
// ssh-keygen -e writes it) and PEM (through crypto/pem.hpp).
#pragma once

#include <string>
#include <string_view>

#include <skiff/error.hpp>

#include "crypto/signature.hpp"

namespace skiff::keys {

struct PublicKeyText {
  crypto::PublicKey key;
  std::string comment;  // may be empty
};

// One line without its newline: type, one run of spaces/tabs, base64 blob, optional
// comment (the rest of the line, leading blanks dropped, trailing blanks and a '\r'
// trimmed). The type word must equal the type inside the blob. Errors name what is
// wrong (unknown key type, bad base64, type mismatch, malformed blob).
Result<PublicKeyText> parse_public_key_line(std::string_view line);

// "type base64" plus " comment" when the comment is not empty; no newline.
std::string format_public_key_line(const crypto::PublicKey& key, std::string_view comment);

// RFC 4716: BEGIN/END markers, headers (Tag: value, with '\' continuation lines and
// quoted values), base64 body over several lines. The "Comment" header becomes the
// comment (quotes removed). Unknown headers are ignored, as the RFC requires.
Result<PublicKeyText> parse_rfc4716(std::string_view text);

// As ssh-keygen -e: BEGIN line, `Comment: "<comment>"` when comment is not empty, base64
// in lines of 70 characters, END line, each line ending in '\n'.
std::string format_rfc4716(const crypto::PublicKey& key, std::string_view comment);

// Any of the above, or a PEM public key (SPKI or PKCS#1 RSA), recognised by content;
// leading blank lines are skipped. Used where ssh-keygen accepts "a public key file".
Result<PublicKeyText> parse_public_key_any(std::string_view text);

}  // namespace skiff::keys
