// -F (find), -R (remove) and -H (hash) on a known_hosts file. The edits themselves are
// keys/known_hosts.hpp's; here: the file, its backup "<file>.old", the messages and
// the exit status.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "io/file_io.hpp"
#include "keygen.hpp"
#include "keys/known_hosts.hpp"
#include "wire/limits.hpp"

namespace skiff::keygen {

namespace {

// -F host -l: the fingerprints of the matching lines instead of the lines.
[[noreturn]] void find_with_fingerprints(const Options& o, const std::string& path, std::string_view text,
                                         const std::string& name) {
  auto file = keys::parse_known_hosts(text, path);
  bool found = false;
  for (const auto& e : file.entries) {
    if (!keys::known_host_entry_matches(e, name)) continue;
    found = true;
    if (!o.quiet) {
      const char* marker = e.marker == keys::KnownHostMarker::cert_authority ? "CA"
                           : e.marker == keys::KnownHostMarker::revoked    ? "REVOKED"
                                                                             : "";
      std::printf("# Host %s found: line %zu %s\n", name.c_str(), e.line_number, marker);
    }
    std::printf("%s %s %s%s%s\n", name.c_str(), key_type_display(e.key.type()),
                fingerprint(e.key, o.fingerprint_hash).c_str(), e.comment.empty() ? "" : " ", e.comment.c_str());
    if (o.verbose > 0) std::printf("%s\n", randomart_picture(e.key, o.fingerprint_hash).c_str());
  }
  std::exit(found ? 0 : 1);
}

// The old file stays as "<file>.old" (a hard link), the new one takes its place.
void replace_with_backup(const std::string& path, const std::string& text, unsigned mode) {
  std::string old = path + ".old";
  if (unlink(old.c_str()) == -1 && errno != ENOENT) fatal("unlink " + old + ": " + errno_text(errno));
  if (link(path.c_str(), old.c_str()) == -1)
    fatal("link " + path + " to " + old + ": " + errno_text(errno));
  if (auto r = io::write_file_atomic(path, text, mode); !r) {
    log_error("rename\"" + path + "\": " + r.error().message);
    unlink(old.c_str());
    std::exit(1);
  }
  std::printf("%s updated.\n", path.c_str());
  std::printf("Original contents retained as %s\n", old.c_str());
}

}  // namespace

void do_known_hosts(Options& o, const User& user, const std::string& name, bool find, bool remove, bool hash) {
  if (!o.have_identity) {
    o.identity_file = user.home + "/.ssh/known_hosts";
    o.have_identity = true;
  }
  const std::string& path = o.identity_file;
  struct stat sb {};
  if (stat(path.c_str(), &sb) != 0) fatal("Cannot stat " + path + ": " + errno_text(errno));
  auto text = io::read_file(path, limits::kMaxKeyListFileBytes);
  if (!text) fatal(path + ": " + text.error().message);

  if (find) {
    if (o.print_fingerprint && !hash) find_with_fingerprints(o, path, *text, name);
    auto edit = keys::find_known_host(*text, name, hash, o.quiet);
    std::fputs(edit.report.c_str(), stdout);
    std::exit(edit.changed == 0 ? 1 : 0);
  }

  auto edit = remove ? keys::remove_known_host(*text, name, path) : keys::hash_known_hosts(*text, path);
  // -q silences the "# Host ... found" lines only; the log lines stay, as in ssh-keygen.
  if (!o.quiet) std::fputs(edit.report.c_str(), stdout);
  std::fflush(stdout);
  for (const auto& w : edit.warnings) log_error(w);
  if (edit.invalid) {
    log_error(path + " is not a valid known_hosts file.");
    log_error("Not replacing existing known_hosts file because of errors");
    std::exit(1);
  }
  if (remove && edit.changed == 0) {
    log_error("Host " + name + " not found in " + path);
    std::exit(0);
  }
  replace_with_backup(path, edit.text, static_cast<unsigned>(sb.st_mode & 0644));
  if (hash && edit.changed > 0) {
    log_error("WARNING: " + path + ".old contains unhashed entries");
    log_error("Delete this file to ensure privacy of hostnames");
  }
  std::exit(0);
}

}  // namespace skiff::keygen
