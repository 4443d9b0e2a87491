// skiff-add: ssh-add's command line (OpenSSH 9.2) on the public skiff::AgentClient:
// add key files (with -t lifetime and -c confirm), list (-l, -L), remove (-d, -D), lock
// and unlock (-x, -X). Messages, prompts and exit codes are ssh-add's: 0 when everything
// asked for worked, 1 when something failed, 2 when there is no agent to talk to.
#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/use_awaitable.hpp>

#include <skiff/agent.hpp>
#include <skiff/key.hpp>

#include "common/tty.hpp"
#include "config/config_text.hpp"
#include "keys/fingerprint.hpp"
#include "keys/key_handle.hpp"
#include "keys/private_key_file.hpp"
#include "keys/ssh_key.hpp"
#include "wire/limits.hpp"

namespace {

using skiff::AgentClient;
using skiff::Result;

// 9.2's default_files in ssh-add.c.
constexpr const char* kDefaultFiles[] = {".ssh/id_rsa",         ".ssh/id_ecdsa", ".ssh/id_ecdsa_sk",
                                         ".ssh/id_ed25519",     ".ssh/id_ed25519_sk", ".ssh/id_dsa"};

struct Options {
  bool deleting = false, qflag = false, confirm = false, key_only = false;
  char lflag = 0, xflag = 0;
  bool Dflag = false;
  std::optional<std::chrono::seconds> lifetime;
  std::vector<std::string> files;
};

void usage() {
  std::fprintf(stderr,
               "usage: skiff-add [-cDdkLlqvXx] [-t life] [file ...]\n");
}

// ssh_err() of what the agent client reports.
std::string agent_error(const skiff::Error& e) {
  if (e.code == skiff::Errc::protocol_error) return "agent refused operation";
  if (e.code == skiff::Errc::disconnected) return "communication with agent failed";
  return e.message;
}

// sshkey_type(): the upper-case key name ssh-add prints.
const char* type_display(skiff::KeyType t) {
  switch (t) {
    case skiff::KeyType::ed25519: return "ED25519";
    case skiff::KeyType::rsa: return "RSA";
    default: return "ECDSA";
  }
}

struct FileText {
  std::string text;
  bool ok = false;
};

// The whole file, or perror()'s line and nothing.
FileText read_file(const std::string& path, bool check_perms) {
  FileText out;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    std::perror(path.c_str());
    return out;
  }
  struct stat st {};
  if (fstat(fd, &st) == 0 && check_perms && st.st_uid == getuid() && (st.st_mode & 077) != 0) {
    // sshkey_perm_ok()
    std::fprintf(stderr,
                 "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n"
                 "@         WARNING: UNPROTECTED PRIVATE KEY FILE!          @\n"
                 "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n"
                 "Permissions 0%3.3o for '%s' are too open.\n"
                 "It is required that your private key files are NOT accessible by others.\n"
                 "This private key will be ignored.\n",
                 static_cast<unsigned>(st.st_mode & 0777), path.c_str());
    close(fd);
    return out;
  }
  char buf[4096];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.text.append(buf, static_cast<std::size_t>(n));
    if (out.text.size() > skiff::limits::kMaxKeyFileBytes) break;
  }
  close(fd);
  out.ok = true;
  return out;
}

std::string load_error(const skiff::Error& e) {
  switch (e.code) {
    case skiff::Errc::unsupported: return "unknown or unsupported key type";
    case skiff::Errc::too_large: return "string is too large";
    default: return "invalid format";
  }
}

asio::awaitable<bool> add_file(AgentClient& agent, const Options& o, const std::string& path,
                               std::optional<std::string>& cached_pass) {
  FileText f = read_file(path, true);
  if (!f.ok) co_return false;
  auto key = skiff::PrivateKey::parse(f.text, "");
  if (!key && key.error().code != skiff::Errc::bad_passphrase) {
    std::fprintf(stderr, "Error loading key \"%s\": %s\n", path.c_str(), load_error(key.error()).c_str());
    co_return false;
  }
  if (!key && cached_pass) key = skiff::PrivateKey::parse(f.text, *cached_pass);
  if (!key) {
    cached_pass.reset();
    const std::string suffix = o.confirm ? " (will confirm each use)" : "";
    std::string prompt = "Enter passphrase for " + path + suffix + ": ";
    for (;;) {
      auto pass = skiff::tools::read_passphrase(prompt);
      if (!pass || pass->empty()) co_return false;
      key = skiff::PrivateKey::parse(f.text, *pass);
      if (key) {
        cached_pass = std::move(pass);  // ssh-add tries the last passphrase on the next file
        break;
      }
      std::fill(pass->begin(), pass->end(), '\0');
      if (key.error().code != skiff::Errc::bad_passphrase) {
        std::fprintf(stderr, "Error loading key \"%s\": %s\n", path.c_str(), load_error(key.error()).c_str());
        co_return false;
      }
      prompt = "Bad passphrase, try again for " + path + suffix + ": ";
    }
  }
  const std::string comment = key->comment().empty() ? path : key->comment();
  const skiff::AgentConstraints c{o.lifetime, o.confirm};
  auto added = co_await agent.add(*key, comment, c);
  if (!added) {
    std::fprintf(stderr, "Could not add identity \"%s\": %s\n", path.c_str(), agent_error(added.error()).c_str());
    co_return false;
  }
  if (!o.qflag) {
    std::fprintf(stderr, "Identity added: %s (%s)\n", path.c_str(), comment.c_str());
    if (o.lifetime) std::fprintf(stderr, "Lifetime set to %lld seconds\n", static_cast<long long>(o.lifetime->count()));
    if (o.confirm) std::fprintf(stderr, "The user must confirm each use of the key\n");
  }
  co_return true;
}

// sshkey_load_public(): the file as a public key, FILE.pub, or the clear public part of
// an openssh-key-v1 file.
std::optional<skiff::PublicKey> load_public(const std::string& path) {
  FileText f = read_file(path, false);
  if (f.ok) {
    if (auto k = skiff::PublicKey::parse(f.text)) return *k;
  }
  int fd = open((path + ".pub").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    close(fd);
    FileText pub = read_file(path + ".pub", false);
    if (auto k = skiff::PublicKey::parse(pub.text)) return *k;
  }
  if (f.ok) {
    if (auto part = skiff::keys::private_key_public_part(f.text)) {
      if (auto k = skiff::PublicKey::from_blob(skiff::keys::encode_public_blob(*part))) return *k;
    }
  }
  return std::nullopt;
}

asio::awaitable<bool> delete_file(AgentClient& agent, const Options& o, const std::string& path) {
  auto pub = load_public(path);
  if (!pub) {
    std::printf("Bad key file %s: invalid format\n", path.c_str());
    co_return false;
  }
  const std::vector<std::uint8_t> blob = pub->blob();
  auto r = co_await agent.remove(blob);
  if (!r) {
    std::fprintf(stderr, "Could not remove identity \"%s\": %s\n", path.c_str(), agent_error(r.error()).c_str());
    co_return false;
  }
  if (!o.qflag) {
    std::fprintf(stderr, "Identity removed: %s %s (%s)\n", path.c_str(), type_display(pub->type()),
                 pub->comment().empty() ? "no comment" : pub->comment().c_str());
  }
  co_return true;
}

asio::awaitable<bool> list_identities(AgentClient& agent, bool fingerprints) {
  auto ids = co_await agent.list();
  if (!ids) {
    std::fprintf(stderr, "error fetching identities: %s\n", agent_error(ids.error()).c_str());
    co_return false;
  }
  if (ids->empty()) {
    std::printf("The agent has no identities.\n");
    co_return false;
  }
  for (const auto& id : *ids) {
    if (!id.key) continue;  // a type skiff does not know (certificates, security keys)
    if (fingerprints) {
      std::printf("%zu %s %s (%s)\n", id.key->bits(), id.key->fingerprint().c_str(), id.comment.c_str(),
                  type_display(id.key->type()));
    } else {
      std::printf("%s %s\n", skiff::PublicKey::from_blob(id.blob)->to_openssh_line().c_str(),
                  id.comment.c_str());
    }
  }
  co_return true;
}

asio::awaitable<bool> lock_agent(AgentClient& agent, bool lock) {
  auto p1 = skiff::tools::read_passphrase("Enter lock password: ");
  skiff::Secret pass(p1 ? p1->begin() : std::string::const_iterator{}, p1 ? p1->end() : std::string::const_iterator{});
  if (p1) std::fill(p1->begin(), p1->end(), '\0');
  if (lock) {
    auto p2 = skiff::tools::read_passphrase("Again: ");
    const bool same = p2 && std::string_view(*p2) == std::string_view(pass);
    if (p2) std::fill(p2->begin(), p2->end(), '\0');
    if (!same) {
      std::fprintf(stderr, "Passwords do not match.\n");
      co_return false;
    }
  }
  // Not a conditional expression with two co_awaits: g++ 12 miscompiles that.
  Result<void> r;
  if (lock) {
    r = co_await agent.lock(pass);
  } else {
    r = co_await agent.unlock(pass);
  }
  if (!r) {
    std::fprintf(stderr, "Failed to %slock agent: %s\n", lock ? "" : "un", agent_error(r.error()).c_str());
    co_return false;
  }
  std::fprintf(stderr, "Agent %slocked.\n", lock ? "" : "un");
  co_return true;
}

asio::awaitable<int> run(const Options& o) {
  AgentClient agent(co_await asio::this_coro::executor);
  auto path = AgentClient::default_socket_path();
  if (!path) {
    std::fprintf(stderr, "Could not open a connection to your authentication agent.\n");
    co_return 2;
  }
  if (auto c = co_await agent.connect(*path); !c) {
    // ssh_err(SSH_ERR_SYSTEM_ERROR): strerror of the failed connect.
    const auto& m = c.error().message;
    const auto colon = m.rfind(": ");
    std::fprintf(stderr, "Error connecting to agent: %s\n", colon == std::string::npos ? m.c_str() : m.c_str() + colon + 2);
    co_return 2;
  }
  if (o.xflag) co_return (co_await lock_agent(agent, o.xflag == 'x')) ? 0 : 1;
  if (o.lflag) co_return (co_await list_identities(agent, o.lflag == 'l')) ? 0 : 1;
  if (o.Dflag) {
    auto r = co_await agent.remove_all();
    if (!r) {
      std::fprintf(stderr, "Failed to remove all identities.\n");
      co_return 1;
    }
    if (!o.qflag) std::fprintf(stderr, "All identities removed.\n");
    co_return 0;
  }
  int ret = 0;
  std::optional<std::string> cached_pass;
  auto do_file = [&](const std::string& file) -> asio::awaitable<bool> {
    if (o.deleting) co_return co_await delete_file(agent, o, file);
    co_return co_await add_file(agent, o, file, cached_pass);
  };
  if (o.files.empty()) {
    passwd* pw = getpwuid(getuid());
    if (pw == nullptr) {
      std::fprintf(stderr, "No user found with uid %u\n", static_cast<unsigned>(getuid()));
      co_return 1;
    }
    int count = 0;
    for (const char* rel : kDefaultFiles) {
      const std::string file = std::string(pw->pw_dir) + "/" + rel;
      struct stat st {};
      if (stat(file.c_str(), &st) == -1) continue;
      if (co_await do_file(file)) {
        ++count;
      } else {
        ret = 1;
      }
    }
    if (count == 0) ret = 1;
  } else {
    for (const auto& file : o.files) {
      if (!co_await do_file(file)) ret = 1;
    }
  }
  if (cached_pass) std::fill(cached_pass->begin(), cached_pass->end(), '\0');
  co_return ret;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  int ch;
  while ((ch = getopt(argc, argv, "kKlLcdDxXqvt:")) != -1) {
    switch (ch) {
      case 'k': o.key_only = true; break;
      case 'v': break;  // ssh-add's debug output: nothing to add here
      case 'l':
      case 'L':
        if (o.lflag != 0) {
          std::fprintf(stderr, "-%c flag already specified\n", o.lflag);
          return 255;
        }
        o.lflag = static_cast<char>(ch);
        break;
      case 'x':
      case 'X':
        if (o.xflag != 0) {
          std::fprintf(stderr, "-%c flag already specified\n", o.xflag);
          return 255;
        }
        o.xflag = static_cast<char>(ch);
        break;
      case 'c': o.confirm = true; break;
      case 'd': o.deleting = true; break;
      case 'D': o.Dflag = true; break;
      case 'q': o.qflag = true; break;
      case 't': {
        auto t = skiff::config::parse_time(optarg);
        if (!t || *t < 0 || *t > 0xffffffffLL) {
          std::fprintf(stderr, "Invalid lifetime\n");
          return 1;
        }
        // 0: no lifetime, as ssh-add.
        if (*t > 0) o.lifetime = std::chrono::seconds(*t);
        break;
      }
      default:
        usage();
        return 1;
    }
  }
  if ((o.xflag != 0) + (o.lflag != 0) + (o.Dflag ? 1 : 0) > 1) {
    std::fprintf(stderr, "Invalid combination of actions\n");
    return 255;
  }
  for (int i = optind; i < argc; ++i) o.files.emplace_back(argv[i]);

  asio::io_context io;
  int status = 1;
  asio::co_spawn(io, run(o), [&status](std::exception_ptr e, int s) {
    if (!e) status = s;
  });
  io.run();
  return status;
}
