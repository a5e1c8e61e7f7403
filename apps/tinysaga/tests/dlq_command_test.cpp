#include "dlq_command.h"

#include <gtest/gtest.h>

namespace tinysaga::app {
namespace {

TEST(DlqCommandTest, ListsOneLinePerDeadLetterAndTheNextCursor) {
  const nlohmann::json body = nlohmann::json::parse(R"({
    "deadLetters": [{"id": "payment:3", "state": "open", "deadLetteredAt": "2026-01-01T00:00:00.000Z",
                     "topic": "payment.commands", "type": null, "messageId": "m1",
                     "reason": "invalid-request: not json"}],
    "nextCursor": "1767225600000_payment_3"})");
  EXPECT_EQ(DeadLetterLines(body),
            "payment:3  open  2026-01-01T00:00:00.000Z  payment.commands  -  m1  invalid-request: "
            "not json\nmore: --cursor 1767225600000_payment_3\n");
  EXPECT_EQ(DeadLetterLines(nlohmann::json::parse(R"({"deadLetters": [], "nextCursor": null})")),
            "");
  EXPECT_EQ(DeadLetterLines(nlohmann::json("nonsense")), "");
}

}  // namespace
}  // namespace tinysaga::app
