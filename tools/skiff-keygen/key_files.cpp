// Operations on existing key files: -l (fingerprints), -y (public key from private),
// -p (new passphrase), -c (new comment).
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <string>

#include "crypto/secure.hpp"
#include "io/file_io.hpp"
#include "keygen.hpp"
#include "wire/limits.hpp"

namespace skiff::keygen {

namespace {

void print_fingerprint_line(const Options& o, const crypto::PublicKey& key, const std::optional<std::string>& comment) {
  std::printf("%zu %s %s (%s)\n", key.bits(), fingerprint(key, o.fingerprint_hash).c_str(),
              comment ? comment->c_str() : "no comment", key_type_display(key.type()));
  if (o.verbose > 0) std::printf("%s\n", randomart_picture(key, o.fingerprint_hash).c_str());
}

// ssh-keygen's fingerprint_private: the public half from the file, file.pub or the
// clear part of the private key; the comment from the .pub or from the private key
// when it opens without a passphrase.
[[noreturn]] void fingerprint_private(const Options& o, const std::string& path) {
  auto pub = load_public(path);
  std::optional<std::string> comment = pub ? pub->comment : std::nullopt;
  std::optional<LoadedKey> prv;
  if (!pub || !comment || comment->empty()) {
    comment.reset();
    if (auto loaded = load_private(path, "")) {
      comment = loaded->comment;
      prv.emplace(std::move(*loaded));
    }
  }
  if (!pub && !prv) fatal(path + " is not a key file.");
  print_fingerprint_line(o, pub ? pub->key : prv->key.public_key(), comment);
  std::exit(0);
}

// One line of a public key, authorized_keys or known_hosts file: a bare key, or one
// after a first field (options or host names, quotes respected), which then serves as
// the comment unless the key has its own.
std::optional<PublicWithComment> key_from_line(std::string_view line) {
  auto trailing_comment = [](const keys::PublicKeyText& k) -> std::optional<std::string> {
    if (k.comment.empty() || k.comment[0] == '#') return std::nullopt;
    return k.comment;
  };
  if (auto k = keys::parse_public_key_line(line)) return PublicWithComment{k->key, trailing_comment(*k)};
  bool quoted = false;
  std::size_t i = 0;
  for (; i < line.size() && (quoted || (line[i] != ' ' && line[i] != '\t')); ++i) {
    if (line[i] == '\\' && i + 1 < line.size() && line[i + 1] == '"')
      ++i;
    else if (line[i] == '"')
      quoted = !quoted;
  }
  if (i >= line.size()) return std::nullopt;
  std::string first(line.substr(0, i));
  std::string_view rest = line.substr(i + 1);
  while (!rest.empty() && (rest[0] == ' ' || rest[0] == '\t')) rest.remove_prefix(1);
  auto k = keys::parse_public_key_line(rest);
  if (!k) return std::nullopt;
  auto own = trailing_comment(*k);
  return PublicWithComment{k->key, own ? own : std::optional<std::string>(first)};
}

}  // namespace

void do_fingerprint(Options& o, const User& user) {
  if (!o.have_identity) ask_filename(o, user, "Enter file in which the key is");
  const bool from_stdin = o.identity_file == "-";
  std::string path = from_stdin ? "(stdin)" : o.identity_file;
  std::string text;
  if (from_stdin) {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    auto r = io::read_file(o.identity_file, limits::kMaxKeyListFileBytes);
    if (!r) {
      require_file(o.identity_file, true);
      fatal(std::string(kProgram) + ": " + path + ": " + r.error().message);
    }
    text = std::move(*r);
  }
  bool any = false;
  std::size_t line_number = 0;
  std::string_view rest = text;
  while (!rest.empty()) {
    auto nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    ++line_number;
    while (!line.empty() && (line[0] == ' ' || line[0] == '\t')) line.remove_prefix(1);
    if (line.empty() || line[0] == '#') continue;
    if (line_number == 1 && !from_stdin && line.find("PRIVATE KEY") != std::string_view::npos)
      fingerprint_private(o, path);
    auto k = key_from_line(line);
    if (!k) continue;
    print_fingerprint_line(o, k->key, k->comment);
    any = true;
  }
  if (!any) fatal(path + " is not a public key file.");
  std::exit(0);
}

void do_print_public(Options& o, const User& user) {
  if (!o.have_identity) ask_filename(o, user, "Enter file in which the key is");
  require_file(o.identity_file, false);
  auto loaded = load_identity(o, o.identity_file, "Enter passphrase: ", "Load key", true);
  std::printf("%s\n", keys::format_public_key_line(loaded.key.public_key(), loaded.comment.value_or("")).c_str());
  std::exit(0);
}

void do_change_passphrase(Options& o, const User& user) {
  if (!o.have_identity) ask_filename(o, user, "Enter file in which the key is");
  require_file(o.identity_file, false);
  auto loaded = load_identity(o, o.identity_file, "Enter old passphrase: ", "Failed to load key", false);
  if (loaded.comment) std::printf("Key has comment '%s'\n", loaded.comment->c_str());

  std::string passphrase;
  if (o.new_passphrase) {
    passphrase = *o.new_passphrase;
  } else {
    passphrase = read_passphrase("Enter new passphrase (empty for no passphrase): ");
    std::string again = read_passphrase("Enter same passphrase again: ");
    bool same = passphrase == again;
    crypto::wipe(again.data(), again.size());
    if (!same) {
      crypto::wipe(passphrase.data(), passphrase.size());
      std::printf("Pass phrases do not match.  Try again.\n");
      std::exit(1);
    }
  }
  auto saved = save_private(o, o.identity_file, loaded.key, passphrase, loaded.comment.value_or(""));
  crypto::wipe(passphrase.data(), passphrase.size());
  if (!saved) {
    log_error("Saving key \"" + o.identity_file + "\" failed: " + reason(saved.error()));
    std::exit(1);
  }
  std::printf("Your identification has been saved with the new passphrase.\n");
  std::exit(0);
}

void do_change_comment(Options& o, const User& user) {
  if (!o.have_identity) ask_filename(o, user, "Enter file in which the key is");
  require_file(o.identity_file, false);
  // The passphrase is kept: the file is written again with the same one.
  std::string passphrase;
  std::optional<LoadedKey> loaded;
  if (auto plain = load_private(o.identity_file, "")) {
    loaded.emplace(std::move(*plain));
  } else if (plain.error().code != Errc::bad_passphrase) {
    fatal("Cannot load private key \"" + o.identity_file + "\": " + reason(plain.error()));
  } else {
    if (o.old_passphrase)
      passphrase = *o.old_passphrase;
    else if (o.new_passphrase)
      passphrase = *o.new_passphrase;
    else
      passphrase = read_passphrase("Enter passphrase: ");
    auto second = load_private(o.identity_file, passphrase);
    if (!second) {
      crypto::wipe(passphrase.data(), passphrase.size());
      fatal("Cannot load private key \"" + o.identity_file + "\": " + reason(second.error()));
    }
    loaded.emplace(std::move(*second));
  }
  if (loaded->key.type() != crypto::KeyType::ed25519 && o.private_format != keys::PrivateKeyFormat::openssh) {
    log_error("Comments are only supported for keys stored in the new format (-o).");
    crypto::wipe(passphrase.data(), passphrase.size());
    std::exit(1);
  }
  if (loaded->comment)
    std::printf("Old comment: %s\n", loaded->comment->c_str());
  else
    std::printf("No existing comment\n");

  std::string new_comment;
  if (o.comment) {
    new_comment = *o.comment;
  } else {
    auto line = prompt_line("New comment: ");
    if (!line) std::exit(1);
    new_comment = *line;
  }
  if (loaded->comment && *loaded->comment == new_comment) {
    std::printf("No change to comment\n");
    std::exit(0);
  }
  auto saved = save_private(o, o.identity_file, loaded->key, passphrase, new_comment);
  crypto::wipe(passphrase.data(), passphrase.size());
  if (!saved) {
    log_error("Saving key \"" + o.identity_file + "\" failed: " + reason(saved.error()));
    std::exit(1);
  }
  std::string pub_file = o.identity_file + ".pub";
  if (auto r = save_public(pub_file, loaded->key.public_key(), new_comment); !r)
    fatal("Unable to save public key to " + pub_file + ": " + reason(r.error()));
  if (!new_comment.empty())
    std::printf("Comment '%s' applied\n", new_comment.c_str());
  else
    std::printf("Comment removed\n");
  std::exit(0);
}

}  // namespace skiff::keygen
