#pragma once
// Before any service opens its database: is the URL template usable, and does each
// service's PostgreSQL database exist (created when it does not)? Used by `tinysaga up` before
// it starts its children, and by every command that takes `--db`.
//
// Stateless functions. The PostgreSQL ones open a short-lived libpq connection of their own
// per call (not SOCI: CREATE DATABASE cannot run inside the transaction SOCI's sessions use
// for writes) and close it before returning. Thread-safe.

#include <string>
#include <string_view>
#include <vector>

#include "tinysaga/core/result.h"

namespace tinysaga::storage {

// A template names one database per service: "sqlite:DIR", or a PostgreSQL URL
// ("postgresql://" or "postgres://") containing "{service}" (normally in the database name:
// "postgresql://u@h/tinysaga_{service}"). Without it every service would share one database
// and the services' tables and outboxes would collide. Anything else is kInvalidRequest,
// with a message for the operator.
Result<void> ValidateDbUrlTemplate(std::string_view url_template);

// For each service, makes sure that its PostgreSQL database (DbUrlFor(url_template, service))
// exists: a database that can be connected to is left alone; a missing one is created with
// CREATE DATABASE through the same server's maintenance database ("postgres", else
// "template1", as createdb does), owned by the URL's user. Returns the names of the databases
// it created (in `services` order). A SQLite template is a no-op (Db::Open creates the files).
// Errors name the database and say why (server unreachable, authentication, permission to
// create databases): kUnavailable when the server cannot be reached, else kInvalidRequest.
// Two callers creating the same database at once both succeed.
Result<std::vector<std::string>> CreateMissingDatabases(const std::string& url_template,
                                                        const std::vector<std::string>& services);

// The database name in a PostgreSQL URL (libpq's own parsing), e.g. "tinysaga_order".
Result<std::string> PostgresDatabaseName(const std::string& url);

// Drops the database `url` names, if it exists, disconnecting its sessions (for tests that
// create databases of their own). Connects to the maintenance database like the above.
Result<void> DropPostgresDatabase(const std::string& url);

}  // namespace tinysaga::storage
