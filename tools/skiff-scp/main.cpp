// skiff-scp: OpenSSH 9.2 scp's command line. SFTP through skiff's SFTP client engine by
// default; -O for the legacy protocol (and -t/-f, the remote end of it). The SSH
// program (skiff beside us by default, -S another) runs as a child on two pipes.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "file-transfer/child_process.hpp"
#include "file-transfer/session.hpp"
#include "file-transfer/ssh_program.hpp"
#include "skiff-scp/legacy_io.hpp"
#include "skiff-scp/options.hpp"
#include "skiff-scp/sftp_copy.hpp"

namespace {

using namespace skiff::scp_cli;
namespace sc = skiff::sftp_cli;

void print(const std::string& s) { (void)!::write(STDERR_FILENO, s.data(), s.size()); }

struct Operand {
  std::string text;
  std::optional<Remote> remote;
};

// The server side: "scp -t target" or "scp -f sources" on our stdin and stdout.
int run_server_side(const Options& o) {
  LegacySettings ls{o.recursive, o.preserve, true, false, o.limit_kbps};
  LegacyPeer peer(STDIN_FILENO, STDOUT_FILENO, ls);
  if (o.sink_mode) {
    if (o.operands.size() != 1) {
      peer.run_err("ambiguous target");
      return 1;
    }
    peer.sink(o.operands[0], SinkRules{o.recursive, {}}, o.target_must_be_dir);
  } else {
    if (peer.response()) peer.source(o.operands);
  }
  return peer.errors() != 0 || peer.fatal() ? 1 : 0;
}

// A local command (cp for a local-to-local copy, ssh for a remote-to-remote one):
// false when it failed.
bool run_local(const std::vector<std::string>& argv, int verbosity) {
  if (verbosity > 0) {
    std::string line = "Executing:";
    for (const auto& a : argv) line += " " + a;
    print(line + "\n");
  }
  auto child = sc::spawn_child(argv, STDIN_FILENO, STDOUT_FILENO);
  if (!child) {
    print("scp: " + child.error().message + "\n");
    return false;
  }
  return sc::wait_child(child->pid) == 0;
}

class Copy {
 public:
  explicit Copy(const Options& o) : o_(o) { show_progress_ = !o.quiet && ::isatty(STDOUT_FILENO); }

  int run(std::vector<Operand>& ops) {
    Operand target = ops.back();
    ops.pop_back();
    if (target.remote) to_remote(ops, target);
    else to_local(ops, target);
    for (auto& [host, s] : sessions_) s.session->finish();
    if (fatal_exit_) return 255;
    return errors_ ? 1 : 0;
  }

 private:
  struct Open {
    std::unique_ptr<sc::Session> session;
    std::unique_ptr<SftpCopier> copier;
  };

  SftpCopier* sftp_for(const Remote& r) {
    const std::string key = r.user.value_or("") + "@" + r.host + ":" + std::to_string(r.port);
    if (auto it = sessions_.find(key); it != sessions_.end()) return it->second.copier.get();
    std::vector<std::string> argv = o_.sftp_direct ? std::vector<std::string>{*o_.sftp_direct} : ssh_argv(o_, r, "", true);
    auto s = sc::Session::start(argv, {});
    if (!s) {
      print("scp: Connection closed\n");
      return nullptr;
    }
    Open open;
    open.session = std::move(*s);
    open.copier = std::make_unique<SftpCopier>(*open.session,
                                               SftpCopySettings{o_.recursive, o_.preserve, show_progress_, o_.limit_kbps});
    auto* c = open.copier.get();
    sessions_.emplace(key, std::move(open));
    return c;
  }

  LegacySettings legacy_settings() const { return {o_.recursive, o_.preserve, false, show_progress_, o_.limit_kbps}; }

  void to_remote(const std::vector<Operand>& sources, const Operand& target) {
    const Remote& t = *target.remote;
    std::vector<std::string> local_sources;
    for (const auto& s : sources) {
      if (!s.remote) {
        local_sources.push_back(s.text);
        continue;
      }
      if (o_.through_local) remote_to_remote_here(*s.remote, t, sources.size() > 1);
      else remote_to_remote_there(*s.remote, t);
    }
    if (local_sources.empty()) return;
    if (o_.mode == Mode::legacy) {
      auto child = sc::spawn_child(ssh_argv(o_, t, remote_scp_command(o_, true, sources.size() > 1, t.path), false));
      if (!child) return fail(child.error().message);
      LegacyPeer peer(child->from_child, child->to_child, legacy_settings());
      if (peer.response()) peer.source(local_sources);
      ::close(child->to_child);
      ::close(child->from_child);
      const int status = sc::wait_child(child->pid);
      if (peer.errors() || peer.fatal() || status != 0) errors_ = true;
      return;
    }
    SftpCopier* c = sftp_for(t);
    if (!c) return (void)(errors_ = true);
    const std::string dest = c->resolve(t.path);
    if (sources.size() > 1 && !c->is_dir(dest)) {
      log_error(dest + ": Not a directory");
      errors_ = true;
      return;
    }
    for (const auto& src : local_sources) {
      struct stat st{};
      if (::stat(src.c_str(), &st) != 0) {
        // scp 9.2 treats this as fatal (exit 255), before anything else is copied.
        log_error("stat local \"" + src + "\": " + std::strerror(errno));
        fatal_exit_ = true;
        return;
      }
      if (!c->upload(src, dest, dest)) errors_ = true;
    }
  }

  void to_local(const std::vector<Operand>& sources, const Operand& target) {
    for (const auto& s : sources) {
      if (!s.remote) {
        std::vector<std::string> argv{"cp"};
        if (o_.recursive) argv.push_back("-r");
        if (o_.preserve) argv.push_back("-p");
        argv.insert(argv.end(), {"--", s.text, target.text});
        if (!run_local(argv, o_.verbosity)) errors_ = true;
        continue;
      }
      const Remote& r = *s.remote;
      if (o_.mode == Mode::legacy) {
        auto child = sc::spawn_child(ssh_argv(o_, r, remote_scp_command(o_, false, false, r.path), false));
        if (!child) {
          fail(child.error().message);
          continue;
        }
        LegacyPeer peer(child->from_child, child->to_child, legacy_settings());
        SinkRules rules{o_.recursive, o_.no_strict_names ? std::vector<std::string>{} : requested_patterns(r.path)};
        peer.sink(target.text, rules, sources.size() > 1);
        ::close(child->to_child);
        ::close(child->from_child);
        // A sink that gave up must not wait for a source that is still sending.
        if (peer.fatal()) ::kill(child->pid, SIGTERM);
        const int status = sc::wait_child(child->pid);
        if (peer.errors() || peer.fatal() || status != 0) errors_ = true;
        continue;
      }
      SftpCopier* c = sftp_for(r);
      if (!c) {
        errors_ = true;
        continue;
      }
      if (!c->download(c->resolve(r.path), target.text)) errors_ = true;
    }
  }

  // -3: both ends are ours; the bytes pass through this host.
  void remote_to_remote_here(const Remote& from, const Remote& to, bool several) {
    if (o_.mode == Mode::legacy) {
      auto src = sc::spawn_child(ssh_argv(o_, from, remote_scp_command(o_, false, false, from.path), false));
      if (!src) return fail(src.error().message);
      // The target's scp -t reads the source's output and answers into its input.
      auto dst = sc::spawn_child(ssh_argv(o_, to, remote_scp_command(o_, true, several, to.path), false),
                                 src->from_child, src->to_child);
      ::close(src->from_child);
      ::close(src->to_child);
      if (!dst) {
        sc::wait_child(src->pid);
        return fail(dst.error().message);
      }
      const int a = sc::wait_child(dst->pid), b = sc::wait_child(src->pid);
      if (a != 0 || b != 0) errors_ = true;
      return;
    }
    SftpCopier* a = sftp_for(from);
    SftpCopier* b = a ? sftp_for(to) : nullptr;
    if (!a || !b) return (void)(errors_ = true);
    if (!a->crossload(a->resolve(from.path), *b, b->resolve(to.path))) errors_ = true;
  }

  // Without -3, as scp: the first host runs scp itself, to the second.
  void remote_to_remote_there(const Remote& from, const Remote& to) {
    std::string cmd = "scp";
    if (o_.verbosity > 0) cmd += " -v";
    if (o_.recursive) cmd += " -r";
    if (o_.preserve) cmd += " -p";
    if (o_.mode == Mode::legacy) cmd += " -O";
    cmd += " -- " + (from.path.empty() ? std::string(".") : from.path) + " ";
    const std::string user = to.user ? *to.user + "@" : "";
    if (to.port != -1) cmd += "scp://" + user + to.host + ":" + std::to_string(to.port) + "/" + to.path;
    else cmd += user + (to.host.find(':') != std::string::npos ? "[" + to.host + "]" : to.host) + ":" + to.path;
    auto argv = ssh_argv(o_, from, cmd, false);
    argv.insert(argv.begin() + 1, "-n");
    if (!run_local(argv, o_.verbosity)) errors_ = true;
  }

  void fail(const std::string& message) {
    print("scp: " + message + "\n");
    errors_ = true;
  }

  const Options& o_;
  bool show_progress_ = false;
  bool errors_ = false;
  bool fatal_exit_ = false;  // scp's fatal(): exit 255
  std::map<std::string, Open> sessions_;
};

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  // A peer that goes away must not kill us silently: writes fail with EPIPE instead.
  ::signal(SIGPIPE, SIG_IGN);
  auto parsed = parse_options(args, sc::sibling_program("skiff"));
  if (auto* e = std::get_if<Exit>(&parsed)) {
    print(e->message);
    return e->status;
  }
  const Options& o = std::get<Options>(parsed);
  if (o.sink_mode || o.source_mode) return run_server_side(o);
  std::vector<Operand> ops;
  for (const auto& text : o.operands) {
    auto loc = parse_location(text);
    if (auto* bad = std::get_if<BadLocation>(&loc)) {
      print(bad->message + "\n");
      return 1;
    }
    Operand op{text, std::nullopt};
    if (auto* r = std::get_if<Remote>(&loc)) op.remote = *r;
    ops.push_back(std::move(op));
  }
  return Copy(o).run(ops);
}
