// The SFTP client engine, sans I/O: requests go out through pending_output(), the
// server's bytes come in through feed(), and results come back as polled events.
//
// Why polled events and not callbacks: like every engine in skiff's core, the client
// never calls into its user; the caller drives it (feed, poll_event, send output) from
// whatever loop it has, and a test can pair it with the server engine in memory.
//
// Use:
//   Client c(options); c.start();              // queues INIT
//   ... send pending_output(), feed() replies ...
//   poll_event() -> Ready                       // VERSION (and limits@openssh.com) done
//   auto id = c.stat("/etc");                   // any request: returns its id
//   poll_event() -> Completion{id, AttrsResult} // or StatusResult on failure
// Replies are matched by request id in whatever order the server sends them.
//
// Transfers keep many requests in flight on one open handle:
//   start_download(handle, offset, size): READs of request_size() bytes, at most
//     max_in_flight() outstanding; each DATA becomes a DownloadChunk (offset, bytes) the
//     caller writes where it says; short reads are re-requested; EOF or an error ends it
//     with TransferDone once every outstanding read is answered.
//   start_upload(handle, offset): the caller offers data while upload_ready() and calls
//     upload_finish() at its end; TransferDone comes when every WRITE is acknowledged.
// TransferDone carries the end of the contiguous prefix that is known good, so a
// failed or interrupted transfer can be truncated there and resumed later.
//
// Bounded memory: a request can be made only while fewer than
// limits::kMaxSftpClientOutstanding are outstanding; a download issues a new READ only
// while its outstanding reads plus its chunks not yet polled are below max_in_flight(),
// so every queued event answers a request the caller made. Anything a server sends that
// does not fit (a reply to no request, a reply of the wrong type, more data than asked,
// an oversized message or handle, too many names) is a protocol error: feed() fails,
// and every later call fails the same way (the stream cannot be trusted any more).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "sftp/framer.hpp"
#include "sftp/messages.hpp"

namespace skiff::sftp {

using RequestId = std::uint32_t;
using TransferId = std::uint32_t;

struct ClientOptions {
  // Bytes per READ and WRITE; 0: the server's limits@openssh.com (at most
  // limits::kMaxSftpReadLength) when offered, else 32 KiB (sftp's -B).
  std::size_t request_size = 0;
  // Requests in flight per transfer (sftp's -R); scaled down to the server's advertised
  // open-handle limit when the caller did not choose, as OpenSSH does.
  std::size_t max_in_flight = 0;
};

// ---- results of requests, owned (they outlive the input they were decoded from)
struct StatusResult {
  StatusCode code = StatusCode::ok;
  std::string message;
};
struct HandleResult {
  std::string handle;
};
struct NameResult {
  std::vector<NameEntry> entries;
};
struct AttrsResult {
  FileAttributes attrs;
};
struct DataResult {
  wire::Bytes data;  // at most the length asked for
};
struct ExtendedResult {
  wire::Bytes body;  // decode with decode_statvfs_reply & co.
};
using Reply = std::variant<StatusResult, HandleResult, DataResult, NameResult, AttrsResult, ExtendedResult>;

// ---- events
struct Ready {};  // the server answered INIT (and limits@openssh.com, when offered)
struct Completion {
  RequestId id = 0;
  Reply reply;
};
struct DownloadChunk {
  TransferId transfer = 0;
  std::uint64_t offset = 0;
  wire::Bytes data;
};
struct TransferDone {
  TransferId transfer = 0;
  // ok, or the first failure the server reported (EOF ends a download with ok).
  StatusCode status = StatusCode::ok;
  std::string message;
  // Every byte below this offset was written (upload) or delivered (download).
  std::uint64_t contiguous_end = 0;
};
using Event = std::variant<Ready, Completion, DownloadChunk, TransferDone>;

class Client {
 public:
  explicit Client(ClientOptions options = {});

  // Queues INIT. Requests are refused until Ready has been produced.
  void start();
  // Server bytes, in any pieces. An error is final (see above).
  Result<void> feed(wire::ByteView bytes);
  // The server closed the stream: final too, and reported as such.
  void feed_eof();

  wire::ByteView pending_output() const noexcept;
  void consume_output(std::size_t n) noexcept;

  std::optional<Event> poll_event();

  bool ready() const noexcept { return ready_; }
  const std::optional<Error>& failure() const noexcept { return failed_; }
  std::uint32_t server_version() const noexcept { return version_; }
  const ExtensionPairs& server_extensions() const noexcept { return extensions_; }
  // True when VERSION listed `name` with `revision` (OpenSSH checks both).
  bool supports(std::string_view name, std::string_view revision = "1") const;
  const std::optional<LimitsReply>& server_limits() const noexcept { return limits_; }
  std::size_t read_size() const noexcept { return read_size_; }
  std::size_t write_size() const noexcept { return write_size_; }
  std::size_t max_in_flight() const noexcept { return max_in_flight_; }
  std::size_t outstanding() const noexcept { return pending_.size(); }

  // ---- requests: each returns the id its Completion will carry
  Result<RequestId> open(std::string path, std::uint32_t pflags, FileAttributes attrs = {});
  Result<RequestId> close(std::string handle);
  Result<RequestId> read(std::string handle, std::uint64_t offset, std::uint32_t length);
  Result<RequestId> write(std::string handle, std::uint64_t offset, wire::ByteView data);
  Result<RequestId> stat(std::string path);
  Result<RequestId> lstat(std::string path);
  Result<RequestId> fstat(std::string handle);
  Result<RequestId> setstat(std::string path, FileAttributes attrs);
  Result<RequestId> fsetstat(std::string handle, FileAttributes attrs);
  Result<RequestId> opendir(std::string path);
  Result<RequestId> readdir(std::string handle);
  Result<RequestId> remove(std::string path);
  Result<RequestId> mkdir(std::string path, FileAttributes attrs = {});
  Result<RequestId> rmdir(std::string path);
  Result<RequestId> realpath(std::string path);
  // posix-rename@openssh.com when offered (it replaces the target), unless legacy.
  Result<RequestId> rename(std::string old_path, std::string new_path, bool legacy = false);
  Result<RequestId> readlink(std::string path);
  // OpenSSH's argument order: the link's target, then the new link's path.
  Result<RequestId> symlink(std::string target_path, std::string link_path);
  // Extensions: Errc::unsupported when the server did not offer them.
  Result<RequestId> hardlink(std::string old_path, std::string new_path);
  Result<RequestId> statvfs(std::string path);
  Result<RequestId> fstatvfs(std::string handle);
  Result<RequestId> fsync(std::string handle);
  Result<RequestId> lsetstat(std::string path, FileAttributes attrs);
  Result<RequestId> copy_data(std::string read_handle, std::uint64_t read_offset, std::uint64_t read_length,
                              std::string write_handle, std::uint64_t write_offset);
  Result<RequestId> expand_path(std::string path);
  Result<RequestId> home_directory(std::string user_name);
  Result<RequestId> users_groups_by_id(std::vector<std::uint32_t> uids, std::vector<std::uint32_t> gids);

  // ---- transfers
  // size: the file's size when known, so that no more than one READ goes past it.
  Result<TransferId> start_download(std::string handle, std::uint64_t offset,
                                    std::optional<std::uint64_t> size = std::nullopt);
  Result<TransferId> start_upload(std::string handle, std::uint64_t offset);
  bool upload_ready(TransferId t) const;
  // At most write_size() bytes, while upload_ready(); written at the next offset.
  Result<void> upload_write(TransferId t, wire::ByteView data);
  Result<void> upload_finish(TransferId t);
  // Stops issuing requests (an interrupt); TransferDone follows once outstanding ones
  // are answered, with status failure if nothing else failed.
  void cancel_transfer(TransferId t);

 private:
  // Which reply types a request accepts besides STATUS.
  enum class Expect : std::uint8_t { status, handle, data, name, single_name, attrs, extended };
  enum class Role : std::uint8_t { plain, limits, download_read, upload_write };
  struct Pending {
    Expect expect = Expect::status;
    Role role = Role::plain;
    TransferId transfer = 0;
    std::uint64_t offset = 0;
    std::uint32_t length = 0;
  };
  struct Transfer {
    bool download = true;
    std::string handle;
    std::uint64_t next_offset = 0;          // of the next request
    std::optional<std::uint64_t> size;      // download: expected size
    std::size_t chunk = 0;                  // download: current READ length
    std::size_t in_flight = 0;              // requests outstanding
    std::size_t queued_chunks = 0;          // DownloadChunks not yet polled
    std::map<std::uint64_t, std::uint32_t> outstanding;  // offset -> length
    std::uint64_t lowest_failure = UINT64_MAX;           // offset of the first failed range
    std::uint64_t eof_at = UINT64_MAX;                    // download: lowest offset answered EOF
    std::uint64_t received_end = 0;         // download: end of the highest data received
    bool stopping = false;                  // EOF, error, cancel or (upload) finish
    bool cancelled = false;
    StatusCode status = StatusCode::ok;
    std::string message;
  };

  template <class Message>
  Result<RequestId> send_request(Message m, Expect expect, Role role = Role::plain, TransferId t = 0,
                                 std::uint64_t offset = 0, std::uint32_t length = 0);
  Result<void> can_request(std::size_t extra = 1) const;
  Result<void> need_extension(std::string_view name, std::string_view revision = "1") const;
  RequestId next_id();

  Result<void> process();
  Result<void> on_message(wire::ByteView payload);
  Result<void> on_version(const Version& v);
  Result<void> on_reply(std::uint32_t id, Response&& r);
  Result<void> on_limits_reply(Response&& r);
  Result<void> on_download_reply(const Pending& p, Response&& r);
  Result<void> on_upload_reply(const Pending& p, Response&& r);
  Result<Reply> to_reply(const Pending& p, Response&& r) const;
  void pump_download(TransferId t);
  void finish_if_done(TransferId t);
  void set_ready();
  Result<void> fail_stream(Errc code, std::string message);

  ClientOptions options_;
  MessageFramer framer_;
  wire::Bytes out_;
  std::size_t out_pos_ = 0;
  std::deque<Event> events_;
  std::unordered_map<RequestId, Pending> pending_;
  std::unordered_map<TransferId, Transfer> transfers_;
  RequestId next_id_ = 1;
  TransferId next_transfer_ = 1;
  bool started_ = false;
  bool version_seen_ = false;
  bool ready_ = false;
  std::optional<Error> failed_;
  std::uint32_t version_ = 0;
  ExtensionPairs extensions_;
  std::optional<LimitsReply> limits_;
  std::size_t read_size_ = limits::kSftpClientDefaultRequestSize;
  std::size_t write_size_ = limits::kSftpClientDefaultRequestSize;
  std::size_t max_in_flight_ = 64;
};

// sftp's fx2txt: "No such file or directory" for NO_SUCH_FILE, and so on. sftp prints
// these, not the server's message.
std::string_view status_text(StatusCode code) noexcept;

}  // namespace skiff::sftp
