#pragma once
// The wallet's error answers: the problem for an error value. Internal details (SQL text,
// exception messages) go to the log, never to the client. Thread-safe.

#include "tinysaga/core/result.h"
#include "tinysaga/http/message.h"

namespace tinysaga::wallet {

http::Response ProblemFor(const Error& error);

}  // namespace tinysaga::wallet
