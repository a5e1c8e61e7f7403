#include "tinysaga/storage/provision.h"

#include <libpq-fe.h>

#include <memory>
#include <utility>

#include "tinysaga/storage/db.h"

namespace tinysaga::storage {
namespace {

constexpr std::string_view kSqlitePrefix = "sqlite:";
constexpr std::string_view kPostgresPrefixes[] = {"postgresql://", "postgres://"};
constexpr std::string_view kServicePlaceholder = "{service}";
// Where CREATE DATABASE is sent from, in this order (as createdb does): every server has
// "postgres" unless someone dropped it, and "template1" always.
constexpr const char* kMaintenanceDatabases[] = {"postgres", "template1"};
// libpq waits for a server forever by default; a URL's own connect_timeout wins.
constexpr const char* kConnectTimeoutSeconds = "10";
// SQLSTATEs of a CREATE DATABASE that lost a race with another creator of the same name.
constexpr std::string_view kDuplicateDatabase = "42P04";
constexpr std::string_view kUniqueViolation = "23505";

struct ConnectionDeleter {
  void operator()(PGconn* connection) const { PQfinish(connection); }
};
using Connection = std::unique_ptr<PGconn, ConnectionDeleter>;
struct QueryResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using QueryResult = std::unique_ptr<PGresult, QueryResultDeleter>;

// A URL's connection parameters as libpq parses them (URI or key=value): every keyword set.
using Parameters = std::vector<std::pair<std::string, std::string>>;

bool IsPostgres(std::string_view url) {
  for (std::string_view prefix : kPostgresPrefixes) {
    if (url.starts_with(prefix)) return true;
  }
  return false;
}

// libpq's messages end in a newline and continue on tab-indented lines: one line instead.
std::string OneLine(const char* message) {
  std::string line;
  for (const char* c = message; c != nullptr && *c != '\0'; ++c) {
    if (*c == '\n' || *c == '\t') {
      if (!line.empty() && line.back() != ' ') line += ' ';
    } else {
      line += *c;
    }
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  return line;
}

Result<Parameters> Parse(const std::string& url) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
  if (options == nullptr) {
    const std::string detail = error != nullptr ? OneLine(error) : "out of memory";
    PQfreemem(error);
    return MakeError(Errc::kInvalidRequest, "not a valid PostgreSQL URL: " + detail);
  }
  Parameters parameters;
  for (const PQconninfoOption* option = options; option->keyword != nullptr; ++option) {
    if (option->val != nullptr && *option->val != '\0')
      parameters.emplace_back(option->keyword, option->val);
  }
  PQconninfoFree(options);
  return parameters;
}

std::string ValueOf(const Parameters& parameters, std::string_view keyword) {
  for (const auto& [name, value] : parameters) {
    if (name == keyword) return value;
  }
  return "";
}

// Connects with the URL's parameters to `database` instead of the URL's own.
Connection Connect(Parameters parameters, const std::string& database) {
  std::erase_if(parameters, [](const auto& parameter) { return parameter.first == "dbname"; });
  parameters.emplace_back("dbname", database);
  if (ValueOf(parameters, "connect_timeout").empty())
    parameters.emplace_back("connect_timeout", kConnectTimeoutSeconds);
  if (ValueOf(parameters, "application_name").empty())
    parameters.emplace_back("application_name", "tinysaga");
  std::vector<const char*> keywords, values;
  for (const auto& [keyword, value] : parameters) {
    keywords.push_back(keyword.c_str());
    values.push_back(value.c_str());
  }
  keywords.push_back(nullptr);
  values.push_back(nullptr);
  Connection connection(PQconnectdbParams(keywords.data(), values.data(), /*expand_dbname=*/0));
  // libpq prints notices ("database ... does not exist, skipping") on stderr by default.
  if (connection)
    PQsetNoticeProcessor(
        connection.get(), [](void*, const char*) {}, nullptr);
  return connection;
}

bool Connected(const Connection& connection) {
  return connection != nullptr && PQstatus(connection.get()) == CONNECTION_OK;
}

// A connection to the server's maintenance database, or why there is none ("postgres: why;
// template1: why"), leaving out a reason that is `known` already (the server is unreachable:
// every connection fails the same way).
Result<Connection> ConnectToMaintenance(const Parameters& parameters,
                                        const std::string& known = "") {
  std::string errors;
  for (const char* maintenance : kMaintenanceDatabases) {
    Connection connection = Connect(parameters, maintenance);
    if (Connected(connection)) return connection;
    const std::string error = OneLine(PQerrorMessage(connection.get()));
    if (error == known) continue;
    errors += std::string(errors.empty() ? "" : "; ") + maintenance + ": " + error;
  }
  return MakeError(Errc::kUnavailable, errors);
}

QueryResult Execute(PGconn* connection, const std::string& sql,
                    const std::vector<std::string>& arguments = {}) {
  std::vector<const char*> values;
  for (const auto& argument : arguments) values.push_back(argument.c_str());
  return QueryResult(PQexecParams(connection, sql.c_str(), static_cast<int>(values.size()), nullptr,
                                  values.data(), nullptr, nullptr, 0));
}

std::string Quoted(PGconn* connection, const std::string& identifier) {
  char* quoted = PQescapeIdentifier(connection, identifier.data(), identifier.size());
  if (quoted == nullptr) return "\"" + identifier + "\"";  // out of memory; names are plain
  std::string text(quoted);
  PQfreemem(quoted);
  return text;
}

// Creates the database `url` names unless it can be connected to; true when it created it.
Result<bool> CreateIfMissing(const std::string& url) {
  TS_ASSIGN_OR_RETURN(const Parameters parameters, Parse(url));
  const std::string name = ValueOf(parameters, "dbname");
  if (name.empty()) return MakeError(Errc::kInvalidRequest, "the URL names no database");
  Connection direct = Connect(parameters, name);
  if (Connected(direct)) return false;
  const std::string direct_error = OneLine(PQerrorMessage(direct.get()));
  direct.reset();

  auto admin = ConnectToMaintenance(parameters, direct_error);
  if (!admin.ok()) {
    const std::string& maintenance_errors = admin.error().detail;
    return MakeError(Errc::kUnavailable,
                     "cannot connect to database \"" + name + "\": " + direct_error +
                         (maintenance_errors.empty()
                              ? ""
                              : "; nor to the server's maintenance database to create it (" +
                                    maintenance_errors + ")"));
  }
  PGconn* connection = admin->get();
  const QueryResult exists =
      Execute(connection, "SELECT 1 FROM pg_database WHERE datname = $1", {name});
  if (PQresultStatus(exists.get()) != PGRES_TUPLES_OK) {
    return MakeError(Errc::kUnavailable, "cannot look up database \"" + name +
                                             "\": " + OneLine(PQresultErrorMessage(exists.get())));
  }
  if (PQntuples(exists.get()) > 0) {
    return MakeError(
        Errc::kUnavailable,
        "database \"" + name + "\" exists but cannot be connected to: " + direct_error);
  }
  // An identifier cannot be a parameter: quoted, so any name the URL holds is taken literally.
  const QueryResult created = Execute(connection, "CREATE DATABASE " + Quoted(connection, name));
  if (PQresultStatus(created.get()) == PGRES_COMMAND_OK) return true;
  const char* sqlstate = PQresultErrorField(created.get(), PG_DIAG_SQLSTATE);
  const std::string_view state = sqlstate != nullptr ? sqlstate : "";
  if (state == kDuplicateDatabase || state == kUniqueViolation) return false;  // created meanwhile
  const std::string user = ValueOf(parameters, "user");
  return MakeError(Errc::kInvalidRequest,
                   "cannot create database \"" + name +
                       "\": " + OneLine(PQresultErrorMessage(created.get())) +
                       " (create it yourself, e.g. `createdb " + name + "`, or let " +
                       (user.empty() ? std::string("the user") : "user " + user) +
                       " create databases: ALTER ROLE ... CREATEDB)");
}

}  // namespace

Result<void> ValidateDbUrlTemplate(std::string_view url_template) {
  if (url_template.starts_with(kSqlitePrefix)) return Ok();
  if (!IsPostgres(url_template)) {
    return MakeError(Errc::kInvalidRequest,
                     "the database URL template must be sqlite:DIR or "
                     "postgresql://USER@HOST/NAME_{service} (a database per service)");
  }
  if (url_template.find(kServicePlaceholder) == std::string_view::npos) {
    return MakeError(Errc::kInvalidRequest,
                     "the PostgreSQL URL template has no {service}, so every service would use "
                     "the same database and their tables would collide; put {service} in the "
                     "database name, e.g. postgresql://USER@HOST/tinysaga_{service}");
  }
  return Ok();
}

Result<std::vector<std::string>> CreateMissingDatabases(const std::string& url_template,
                                                        const std::vector<std::string>& services) {
  TS_RETURN_IF_ERROR(ValidateDbUrlTemplate(url_template));
  std::vector<std::string> created;
  if (!IsPostgres(url_template)) return created;
  for (const std::string& service : services) {
    const std::string url = DbUrlFor(url_template, service);
    auto made = CreateIfMissing(url);
    if (!made.ok()) {
      return MakeError(made.error().code, service + "'s database: " + made.error().detail);
    }
    if (*made) {
      TS_ASSIGN_OR_RETURN(std::string name, PostgresDatabaseName(url));
      created.push_back(std::move(name));
    }
  }
  return created;
}

Result<std::string> PostgresDatabaseName(const std::string& url) {
  TS_ASSIGN_OR_RETURN(const Parameters parameters, Parse(url));
  std::string name = ValueOf(parameters, "dbname");
  if (name.empty()) return MakeError(Errc::kInvalidRequest, "the URL names no database");
  return name;
}

Result<void> DropPostgresDatabase(const std::string& url) {
  TS_ASSIGN_OR_RETURN(const Parameters parameters, Parse(url));
  const std::string name = ValueOf(parameters, "dbname");
  if (name.empty()) return MakeError(Errc::kInvalidRequest, "the URL names no database");
  TS_ASSIGN_OR_RETURN(Connection admin, ConnectToMaintenance(parameters));
  const QueryResult dropped = Execute(
      admin.get(), "DROP DATABASE IF EXISTS " + Quoted(admin.get(), name) + " WITH (FORCE)");
  if (PQresultStatus(dropped.get()) != PGRES_COMMAND_OK) {
    return MakeError(Errc::kUnavailable, "cannot drop database \"" + name +
                                             "\": " + OneLine(PQresultErrorMessage(dropped.get())));
  }
  return Ok();
}

}  // namespace tinysaga::storage
