#include "dlq_command.h"

#include <gtest/gtest.h>

#include <CLI/CLI.hpp>

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

// The gateway and token may follow the verb, as they do in the issue's examples.
TEST(DlqCommandTest, TheUrlAndTokenMayComeBeforeOrAfterTheVerb) {
  for (const std::string line :
       {"dlq --url http://127.0.0.1:9 --token t redrive payment:3 --reason fixed",
        "dlq redrive payment:3 --reason fixed --url http://127.0.0.1:9 --token t"}) {
    CLI::App app;
    DlqOptions options;
    AddDlqCommand(app, options);
    ASSERT_NO_THROW(app.parse(line, /*program_name_included=*/false)) << line;
    EXPECT_EQ(options.verb, "redrive") << line;
    EXPECT_EQ(options.id, "payment:3") << line;
    EXPECT_EQ(options.reason, "fixed") << line;
    EXPECT_EQ(options.url, "http://127.0.0.1:9") << line;
    EXPECT_EQ(options.token, "t") << line;
  }
  CLI::App app;
  DlqOptions options;
  AddDlqCommand(app, options);
  EXPECT_THROW(app.parse(std::string("dlq redrive payment:3"), false), CLI::ParseError);
}

}  // namespace
}  // namespace tinysaga::app
