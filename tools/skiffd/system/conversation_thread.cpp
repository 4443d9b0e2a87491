#include "system/conversation_thread.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <system_error>
#include <thread>

namespace skiff::skiffd {

namespace {

class ThreadConversation final : public AuthConversation, public ConversationLink {
 public:
  ThreadConversation(UniqueFd read_end, UniqueFd write_end)
      : read_end_(std::move(read_end)), write_end_(std::move(write_end)) {}

  ~ThreadConversation() override {
    {
      std::lock_guard lock(mutex_);
      cancelled_ = true;
    }
    cv_.notify_all();
    if (worker_.joinable()) worker_.join();
  }

  void run(std::function<ConversationState(ConversationLink&)> body) {
    worker_ = std::thread([this, body = std::move(body)]() mutable {
      ConversationState final_state = body(*this);
      post(std::move(final_state));
    });
  }

  int wait_fd() const override { return read_end_.get(); }

  ConversationState poll() override {
    char byte = 0;
    if (::read(read_end_.get(), &byte, 1) != 1) return conversation::Running{};
    std::lock_guard lock(mutex_);
    if (states_.empty()) return conversation::Running{};
    ConversationState s = std::move(states_.front());
    states_.pop_front();
    return s;
  }

  Result<void> answer(std::vector<SecretString> responses) override {
    {
      std::lock_guard lock(mutex_);
      if (!waiting_ || answers_) return fail(Errc::invalid_argument, "no question is waiting for an answer");
      if (expected_ && responses.size() != *expected_)
        return fail(Errc::invalid_argument, "the number of answers differs from the number of prompts");
      answers_ = std::move(responses);
    }
    cv_.notify_all();
    return {};
  }

  std::optional<std::vector<SecretString>> ask(ConversationState state) override {
    std::unique_lock lock(mutex_);
    if (cancelled_) return std::nullopt;
    waiting_ = true;
    answers_.reset();
    expected_.reset();
    if (const auto* p = std::get_if<conversation::Prompts>(&state)) expected_ = p->request.prompts.size();
    lock.unlock();
    post(std::move(state));
    lock.lock();
    cv_.wait(lock, [&] { return cancelled_ || answers_.has_value(); });
    waiting_ = false;
    if (cancelled_) return std::nullopt;
    auto a = std::move(*answers_);
    answers_.reset();
    return a;
  }

 private:
  void post(ConversationState s) {
    {
      std::lock_guard lock(mutex_);
      states_.push_back(std::move(s));
    }
    char byte = 1;
    // The pipe holds far more than the few states a conversation posts; a failed write
    // would only leave the caller waiting, which LoginGraceTime ends.
    while (::write(write_end_.get(), &byte, 1) < 0 && errno == EINTR) {
    }
  }

  UniqueFd read_end_, write_end_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<ConversationState> states_;
  std::optional<std::vector<SecretString>> answers_;
  std::optional<std::size_t> expected_;  // answers the waiting Prompts needs
  bool waiting_ = false;
  bool cancelled_ = false;
  std::thread worker_;
};

}  // namespace

Result<std::unique_ptr<AuthConversation>> start_conversation(std::function<ConversationState(ConversationLink&)> body) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0)
    return fail(Errc::io_error, std::string("pipe: ") + std::strerror(errno));
  auto conv = std::make_unique<ThreadConversation>(UniqueFd(fds[0]), UniqueFd(fds[1]));
  try {
    conv->run(std::move(body));
  } catch (const std::system_error& e) {
    return fail(Errc::io_error, std::string("thread: ") + e.what());
  }
  return conv;
}

}  // namespace skiff::skiffd
