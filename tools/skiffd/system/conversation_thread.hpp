// The machinery under every AuthConversation: the check runs on a worker thread (PAM's
// conversation function is synchronous and modules may sleep), and talks to the caller's
// event loop through a pipe that becomes readable each time a new state is posted.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "system/privileged.hpp"

namespace skiff::skiffd {

// The worker's side of one conversation.
class ConversationLink {
 public:
  virtual ~ConversationLink() = default;
  // Shows a state to the caller and blocks the worker until answer() is called: the
  // answers, or nullopt when the conversation was cancelled (destroyed) meanwhile.
  virtual std::optional<std::vector<SecretString>> ask(ConversationState state) = 0;
};

// Starts body on a new thread; what it returns is the final state (Accepted, Rejected or
// PasswordChangeRequired). Destroying the returned object cancels a pending ask() and
// joins the thread. Errc::io_error when no pipe or thread can be made.
Result<std::unique_ptr<AuthConversation>> start_conversation(std::function<ConversationState(ConversationLink&)> body);

}  // namespace skiff::skiffd
