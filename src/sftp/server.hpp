// The SFTP server engine, sans I/O: the client's bytes go in with feed(), replies come
// out of pending_output(), and every request is carried out on a FileSystem.
//
// It answers as OpenSSH's sftp-server does (same statuses, messages and extensions)
// and keeps memory bounded: requests are decoded only while less than
// limits::kMaxSftpPendingOutput bytes of replies wait, so a client that stops reading
// stops being served; the runtime should stop reading while wants_input() is false.
// Logging is a bounded queue of records the caller drains (poll_log).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>

#include "sftp/file_system.hpp"
#include "sftp/framer.hpp"
#include "sftp/messages.hpp"
#include "sftp/request_policy.hpp"

namespace skiff::sftp {

// sftp-server's -l levels, quietest first.
enum class LogLevel : std::uint8_t { quiet, fatal, error, info, verbose, debug1, debug2, debug3 };

struct LogRecord {
  LogLevel level;
  std::string text;
};

struct ServerOptions {
  RequestPolicy policy;
  // Records above this level are not even formatted.
  LogLevel log_level = LogLevel::error;
  // Handles the client may hold at once (advertised by limits@openssh.com).
  std::size_t max_open_handles = limits::kMaxSftpOpenHandles;
};

class Server {
 public:
  Server(FileSystem& fs, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Bytes from the client. An error is final (bad framing, a request before INIT, input
  // fed while wants_input() was false beyond the cap): the session must end; replies
  // already queued may still be sent.
  Result<void> feed(wire::ByteView bytes);
  // Decodes input that was held back while output was over the cap; call after
  // consume_output().
  Result<void> resume();
  bool wants_input() const noexcept;

  wire::ByteView pending_output() const noexcept;
  void consume_output(std::size_t n) noexcept;

  // The client went away: closes every handle, logging each as sftp-server does
  // ("forced close ..."). Also done by the destructor, without logging.
  void close_all();
  std::size_t open_handle_count() const noexcept { return handles_.size(); }

  std::optional<LogRecord> poll_log();
  // Records dropped because the queue was full.
  std::uint64_t dropped_log_records() const noexcept { return dropped_logs_; }

 private:
  struct FileHandle {
    std::unique_ptr<OpenFile> file;
    std::string path;
    std::uint32_t pflags = 0;
    std::uint64_t bytes_read = 0;
    std::uint64_t bytes_written = 0;
  };
  struct DirHandle {
    std::unique_ptr<OpenDirectory> dir;
    std::string path;
    std::deque<DirEntry> held_back;  // entries that did not fit the last NAME reply
  };
  using Handle = std::variant<FileHandle, DirHandle>;

  Result<void> process();
  Result<void> handle_message(wire::ByteView payload);
  void dispatch(const Request& request);
  bool permitted(std::uint32_t id, std::string_view name);

  // Requests (server_requests.cpp).
  void on(const Init&) {}
  void on(const Open& r);
  void on(const Close& r);
  void on(const Read& r);
  void on(const Write& r);
  void on(const Lstat& r);
  void on(const Fstat& r);
  void on(const Setstat& r);
  void on(const Fsetstat& r);
  void on(const Opendir& r);
  void on(const Readdir& r);
  void on(const Remove& r);
  void on(const Mkdir& r);
  void on(const Rmdir& r);
  void on(const Realpath& r);
  void on(const Stat& r);
  void on(const Rename& r);
  void on(const Readlink& r);
  void on(const Symlink& r);
  void on(const PosixRename& r);
  void on(const Statvfs& r);
  void on(const Fstatvfs& r);
  void on(const Hardlink& r);
  void on(const Fsync& r);
  void on(const Lsetstat& r);
  void on(const LimitsRequest& r);
  void on(const ExpandPath& r);
  void on(const CopyData& r);
  void on(const HomeDirectory& r);
  void on(const UsersGroupsById& r);
  void on(const UnknownExtended& r);
  void stat_path(std::uint32_t id, const std::string& path, bool follow);
  void log_set_attributes(const std::string& path, const FileAttributes& a);

  // Handles.
  std::optional<std::string> add_handle(Handle h);
  FileHandle* file_handle(const std::string& handle);
  DirHandle* dir_handle(const std::string& handle);
  void log_close(const Handle& h, std::string_view prefix);

  // Replies: appended to out_ as whole messages.
  void send(const Response& r);
  void send_status(std::uint32_t id, StatusCode code, std::string_view message = {});
  void send_error(std::uint32_t id, const FsError& e);
  void send_single_name(std::uint32_t id, const std::string& path);
  void send_version();

  bool logs(LogLevel level) const noexcept { return level <= options_.log_level && level != LogLevel::quiet; }
  void log(LogLevel level, std::string text);

  FileSystem& fs_;
  ServerOptions options_;
  MessageFramer framer_;
  bool initialised_ = false;
  std::optional<Error> failed_;
  wire::Bytes out_;
  std::size_t out_pos_ = 0;
  std::unordered_map<std::uint32_t, Handle> handles_;
  std::uint32_t next_handle_ = 0;
  std::deque<LogRecord> logs_;
  std::uint64_t dropped_logs_ = 0;
};

}  // namespace skiff::sftp
