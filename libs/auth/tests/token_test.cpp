#include "tinysaga/auth/token.h"

#include <gtest/gtest.h>
#include <jwt.h>

#include <cstdlib>
#include <string>
#include <vector>

namespace tinysaga::auth {
namespace {

constexpr std::string_view kSecret = "test-secret-0123456789";
constexpr TimestampMs kNowMs = 1'767'225'600'000;  // 2026-01-01T00:00:00Z
constexpr long kNowS = kNowMs / 1000;

// Signs arbitrary claims with libjwt, for tokens IssueToken would never produce.
std::string Sign(const std::string& claims_json, jwt_alg_t alg = JWT_ALG_HS256,
                 std::string_view secret = kSecret) {
  jwt_t* jwt = nullptr;
  EXPECT_EQ(jwt_new(&jwt), 0);
  EXPECT_EQ(jwt_add_grants_json(jwt, claims_json.c_str()), 0);
  EXPECT_EQ(jwt_set_alg(jwt, alg, reinterpret_cast<const unsigned char*>(secret.data()),
                        static_cast<int>(secret.size())),
            0);
  char* encoded = jwt_encode_str(jwt);
  std::string token = encoded ? encoded : "";
  std::free(encoded);
  jwt_free(jwt);
  return token;
}

std::string Base64Url(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = (unsigned char)bytes[i] << 16 | (unsigned char)bytes[i + 1] << 8 |
                       (unsigned char)bytes[i + 2];
    for (int shift = 18; shift >= 0; shift -= 6) out += kAlphabet[(v >> shift) & 63];
  }
  if (bytes.size() - i == 1) {
    const unsigned v = (unsigned char)bytes[i] << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
  } else if (bytes.size() - i == 2) {
    const unsigned v = (unsigned char)bytes[i] << 16 | (unsigned char)bytes[i + 1] << 8;
    for (int shift = 18; shift >= 6; shift -= 6) out += kAlphabet[(v >> shift) & 63];
  }
  return out;
}

std::string Claims(const std::string& extra) {
  return R"({"sub":"alice","iat":)" + std::to_string(kNowS) + R"(,"exp":)" +
         std::to_string(kNowS + 3600) + extra + "}";
}

void ExpectUnauthorized(const Result<Identity>& result) {
  ASSERT_FALSE(result.ok()) << "accepted user " << result->user_id;
  EXPECT_EQ(result.error().code, Errc::kUnauthorized);
}

TEST(TokenTest, RoundTripKeepsUserAndRole) {
  const std::string user_token = IssueToken({"alice", Role::kUser}, kSecret, kNowMs);
  auto user = VerifyToken(user_token, kSecret, kNowMs);
  ASSERT_TRUE(user.ok()) << user.error().detail;
  EXPECT_EQ(user->user_id, "alice");
  EXPECT_EQ(user->role, Role::kUser);
  EXPECT_FALSE(user->admin());

  auto admin = VerifyToken(IssueToken({"root_1", Role::kAdmin}, kSecret, kNowMs), kSecret, kNowMs);
  ASSERT_TRUE(admin.ok());
  EXPECT_EQ(admin->user_id, "root_1");
  EXPECT_TRUE(admin->admin());
}

TEST(TokenTest, RoleNames) {
  EXPECT_EQ(RoleName(Role::kUser), "user");
  EXPECT_EQ(RoleName(Role::kAdmin), "admin");
}

TEST(TokenTest, WrongSecretIsRejected) {
  const std::string token = IssueToken({"alice", Role::kUser}, kSecret, kNowMs);
  ExpectUnauthorized(VerifyToken(token, "another-secret", kNowMs));
  ExpectUnauthorized(VerifyToken(token, "", kNowMs));
}

TEST(TokenTest, TamperedPayloadIsRejected) {
  const std::string user = IssueToken({"alice", Role::kUser}, kSecret, kNowMs);
  const std::string admin = IssueToken({"alice", Role::kAdmin}, kSecret, kNowMs);
  // The admin token's claims with the user token's signature.
  const size_t user_dot = user.rfind('.');
  const size_t admin_dot = admin.rfind('.');
  ExpectUnauthorized(
      VerifyToken(admin.substr(0, admin_dot) + user.substr(user_dot), kSecret, kNowMs));
  // A payload rewritten by hand, signature kept.
  const size_t first_dot = user.find('.');
  const std::string forged = user.substr(0, first_dot + 1) +
                             Base64Url(Claims(R"(,"role":"admin")")) + user.substr(user_dot);
  ExpectUnauthorized(VerifyToken(forged, kSecret, kNowMs));
}

TEST(TokenTest, AlgorithmNoneIsRejected) {
  const std::string header = Base64Url(R"({"alg":"none","typ":"JWT"})");
  const std::string payload = Base64Url(Claims(R"(,"role":"admin")"));
  ExpectUnauthorized(VerifyToken(header + "." + payload + ".", kSecret, kNowMs));
  ExpectUnauthorized(VerifyToken(header + "." + payload, kSecret, kNowMs));
  const std::string lower = Base64Url(R"({"alg":"NONE"})");
  ExpectUnauthorized(VerifyToken(lower + "." + payload + ".", kSecret, kNowMs));
}

TEST(TokenTest, OtherHmacAlgorithmsAreRejectedEvenWithTheRightSecret) {
  const std::string token = Sign(Claims(""), JWT_ALG_HS512);
  ASSERT_FALSE(token.empty());
  ExpectUnauthorized(VerifyToken(token, kSecret, kNowMs));
  // The same claims in HS256 pass, so it is the algorithm that was refused.
  EXPECT_TRUE(VerifyToken(Sign(Claims("")), kSecret, kNowMs).ok());
}

TEST(TokenTest, ExpiryIsExact) {
  const std::string token =
      IssueToken({"alice", Role::kUser}, kSecret, kNowMs, std::chrono::seconds(60));
  EXPECT_TRUE(VerifyToken(token, kSecret, kNowMs + 59'999).ok());
  ExpectUnauthorized(VerifyToken(token, kSecret, kNowMs + 60'000));
  ExpectUnauthorized(VerifyToken(token, kSecret, kNowMs + 86'400'000));
}

TEST(TokenTest, IssuedInTheFutureIsAcceptedOnlyWithinTheClockSkew) {
  const std::string token = IssueToken({"alice", Role::kUser}, kSecret, kNowMs);
  EXPECT_TRUE(VerifyToken(token, kSecret, kNowMs - 60'000).ok());
  ExpectUnauthorized(VerifyToken(token, kSecret, kNowMs - 61'000));
  const std::string not_before = Sign(Claims(R"(,"nbf":)" + std::to_string(kNowS + 120)));
  ExpectUnauthorized(VerifyToken(not_before, kSecret, kNowMs));
  EXPECT_TRUE(VerifyToken(not_before, kSecret, kNowMs + 60'000).ok());
}

TEST(TokenTest, ExpiryMustBeAnInteger) {
  ExpectUnauthorized(VerifyToken(Sign(R"({"sub":"alice"})"), kSecret, kNowMs));
  ExpectUnauthorized(VerifyToken(Sign(R"({"sub":"alice","exp":"99999999999"})"), kSecret, kNowMs));
  ExpectUnauthorized(VerifyToken(Sign(R"({"sub":"alice","exp":99999999999.5})"), kSecret, kNowMs));
  ExpectUnauthorized(VerifyToken(Sign(Claims(R"(,"nbf":"soon")")), kSecret, kNowMs));
}

TEST(TokenTest, SubjectMustBeAValidUserId) {
  for (const std::string& sub :
       std::vector<std::string>{R"("")", R"("al ice")", R"("../admin")", R"(42)", R"(null)",
                                "\"" + std::string(65, 'a') + "\""}) {
    const std::string claims = R"({"sub":)" + sub + R"(,"exp":)" + std::to_string(kNowS + 60) + "}";
    ExpectUnauthorized(VerifyToken(Sign(claims), kSecret, kNowMs));
  }
  ExpectUnauthorized(
      VerifyToken(Sign(R"({"exp":)" + std::to_string(kNowS + 60) + "}"), kSecret, kNowMs));
}

TEST(TokenTest, RoleHandling) {
  auto missing = VerifyToken(Sign(Claims("")), kSecret, kNowMs);
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->role, Role::kUser);
  auto admin = VerifyToken(Sign(Claims(R"(,"role":"admin")")), kSecret, kNowMs);
  ASSERT_TRUE(admin.ok());
  EXPECT_EQ(admin->role, Role::kAdmin);
  for (const std::string role :
       {R"("ADMIN")", R"("root")", R"("service")", R"("")", R"(1)", R"(["admin"])"}) {
    ExpectUnauthorized(VerifyToken(Sign(Claims(R"(,"role":)" + role)), kSecret, kNowMs));
  }
}

TEST(TokenTest, GarbageIsRejected) {
  const std::string valid = IssueToken({"alice", Role::kUser}, kSecret, kNowMs);
  for (const std::string& garbage : std::vector<std::string>{
           std::string(), std::string("."), std::string(".."), std::string("a.b.c"),
           std::string("not a token"), std::string("Bearer ") + valid, valid + ".",
           valid.substr(0, valid.size() - 1), valid + "x", std::string(100'000, 'a'),
           std::string("eyJ\0.x.y", 8), Base64Url("{") + "." + Base64Url("{}") + ".sig",
           Base64Url(R"({"alg":"HS256"})") + "." + Base64Url("[1,2]") + ".sig"}) {
    ExpectUnauthorized(VerifyToken(garbage, kSecret, kNowMs));
  }
}

// The verifier answers as VerifyToken does, at every time, for a token it remembers too.
TEST(TokenVerifierTest, ARememberedTokenIsStillCheckedForItsTimes) {
  TokenVerifier verifier{std::string(kSecret)};
  const std::string token =
      IssueToken({"alice", Role::kAdmin}, kSecret, kNowMs, std::chrono::seconds(60));
  const std::string not_before = Sign(Claims(R"(,"nbf":)" + std::to_string(kNowS + 120)));
  for (TimestampMs now_ms : {kNowMs, kNowMs + 59'999, kNowMs + 60'000, kNowMs - 61'000,
                             kNowMs + 59'999, kNowMs + 86'400'000, kNowMs}) {
    for (const std::string& text : {token, not_before}) {
      const auto expected = VerifyToken(text, kSecret, now_ms);
      const auto got = verifier.Verify(text, now_ms);
      ASSERT_EQ(got.ok(), expected.ok()) << "at " << now_ms;
      if (!got.ok()) {
        EXPECT_EQ(got.error().code, Errc::kUnauthorized);
        EXPECT_EQ(got.error().detail, expected.error().detail);
        continue;
      }
      EXPECT_EQ(got->user_id, expected->user_id);
      EXPECT_EQ(got->role, expected->role);
    }
  }
}

TEST(TokenVerifierTest, OnlyTheExactTextOfAVerifiedTokenIsRemembered) {
  TokenVerifier verifier{std::string(kSecret)};
  const std::string valid = IssueToken({"alice", Role::kUser}, kSecret, kNowMs);
  ASSERT_TRUE(verifier.Verify(valid, kNowMs).ok());
  ExpectUnauthorized(verifier.Verify(valid + "x", kNowMs));
  ExpectUnauthorized(verifier.Verify(valid.substr(0, valid.size() - 1), kNowMs));
  const std::string forged = IssueToken({"alice", Role::kAdmin}, "another-secret", kNowMs);
  ExpectUnauthorized(verifier.Verify(forged, kNowMs));
  ExpectUnauthorized(verifier.Verify(forged, kNowMs));  // a refusal is not remembered as valid
  EXPECT_TRUE(verifier.Verify(valid, kNowMs).ok());
}

TEST(TokenVerifierTest, AFullMemoryStartsOverAndStillVerifies) {
  TokenVerifier verifier{std::string(kSecret), /*remembered_max=*/2};
  std::vector<std::string> tokens;
  for (const char* user : {"u1", "u2", "u3", "u4", "u5"})
    tokens.push_back(IssueToken({user, Role::kUser}, kSecret, kNowMs));
  for (int round = 0; round < 2; ++round) {
    for (size_t i = 0; i < tokens.size(); ++i) {
      auto identity = verifier.Verify(tokens[i], kNowMs);
      ASSERT_TRUE(identity.ok()) << identity.error().detail;
      EXPECT_EQ(identity->user_id, "u" + std::to_string(i + 1));
    }
  }
}

}  // namespace
}  // namespace tinysaga::auth
