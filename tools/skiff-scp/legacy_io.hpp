// The legacy scp protocol over two file descriptors, both ends: source() (scp -f, or
// a local-to-remote copy) and sink() (scp -t, or a remote-to-local copy), as scp.c's
// source/rsource/sink/response/run_err. Blocking; the peer is a child's pipes, or our
// own stdin/stdout when we are the remote end.
//
// Fatal conditions (lost connection, a protocol error, a refused name, a '\2' from
// the peer) end the exchange: `fatal()` is then true and the caller exits 1.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "file-transfer/bandwidth.hpp"
#include "skiff-scp/legacy_protocol.hpp"

namespace skiff::scp_cli {

struct LegacySettings {
  bool recursive = false;
  bool preserve = false;
  bool remote_side = false;  // -t / -f: errors go to the peer only, not our stderr
  bool show_progress = false;
  std::uint64_t limit_kbps = 0;
};

class LegacyPeer {
 public:
  LegacyPeer(int in_fd, int out_fd, LegacySettings settings);

  // Reads the peer's acknowledgement: true for '\0'; a '\1' line is printed (unless
  // remote side) and counted; '\2' or a lost connection is fatal.
  bool response();
  // Sends the local paths (files, and directories with -r).
  void source(const std::vector<std::string>& paths);
  // Receives into `target`. `must_be_dir`: -d, or several sources.
  void sink(const std::string& target, const SinkRules& rules, bool must_be_dir);

  // scp's run_err: counted, sent to the peer as "\1scp: msg\n", printed unless remote.
  void run_err(const std::string& message);
  void send_ack();

  int errors() const { return errors_; }
  bool fatal() const { return fatal_; }

 private:
  bool read_byte(std::uint8_t& b);
  // The rest of a line after its first byte; false on a lost connection or a line
  // over kMaxControlLine.
  bool read_line_rest(std::string& line, bool& too_long);
  bool read_exact(std::uint8_t* dst, std::size_t n);
  bool write_all(const void* data, std::size_t n);
  bool write_all(const std::string& s) { return write_all(s.data(), s.size()); }
  void lost_connection();
  void protocol_error(const std::string& why);

  void send_file(const std::string& name);
  void send_dir(const std::string& name, std::uint32_t mode, std::int64_t mtime, std::int64_t atime);
  void sink_level(const std::string& target, const SinkRules& rules, bool top);
  void receive_file(const std::string& path, const FileRecord& rec, bool have_times, const TimeRecord& times);

  int in_fd_, out_fd_;
  LegacySettings settings_;
  sftp_cli::BandwidthLimit limit_;
  std::vector<std::uint8_t> buf_;
  std::size_t buf_pos_ = 0, buf_len_ = 0;
  int errors_ = 0;
  bool fatal_ = false;
  int depth_ = 0;
  std::uint32_t umask_ = 022;
};

}  // namespace skiff::scp_cli
