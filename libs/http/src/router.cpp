#include "tinysaga/http/router.h"

#include <cassert>

namespace tinysaga::http {
namespace {

bool IsParam(std::string_view segment) {
  return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

// Calls `visit(segment)` for each '/'-separated segment after the leading '/', stopping early
// when it returns false. "/" has one empty segment. Returns the number of segments visited.
template <typename Visit>
size_t ForEachSegment(std::string_view path, Visit&& visit) {
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  size_t count = 0;
  for (;;) {
    size_t slash = path.find('/');
    ++count;
    if (!visit(path.substr(0, slash))) return count;
    if (slash == std::string_view::npos) return count;
    path.remove_prefix(slash + 1);
  }
}

}  // namespace

size_t Router::Add(std::string_view method, std::string_view pattern) {
  Route route{std::string(method), std::string(pattern), {}};
  ForEachSegment(pattern, [&](std::string_view segment) {
    route.segments.emplace_back(segment);
    return true;
  });
  for (const auto& existing : routes_) {
    assert(!(existing.method == route.method && existing.segments == route.segments) &&
           "duplicate route");
    (void)existing;
  }
  routes_.push_back(std::move(route));
  return routes_.size() - 1;
}

std::optional<Router::Match> Router::Find(std::string_view method, std::string_view path,
                                          Miss* miss) const {
  const Route* best = nullptr;
  bool path_known = false;
  for (const auto& route : routes_) {
    if (!Matches(route, path)) continue;
    if (route.method != method) {
      path_known = true;
    } else if (best == nullptr || MoreSpecific(route, *best)) {
      best = &route;
    }
  }
  if (best == nullptr) {
    if (miss != nullptr) *miss = path_known ? Miss::kMethodNotAllowed : Miss::kNotFound;
    return std::nullopt;
  }
  Match match{static_cast<size_t>(best - routes_.data()), best->pattern, {}};
  size_t index = 0;
  ForEachSegment(path, [&](std::string_view segment) {
    const std::string& expected = best->segments[index++];
    if (IsParam(expected)) match.params.emplace(expected.substr(1, expected.size() - 2), segment);
    return true;
  });
  return match;
}

bool Router::Matches(const Route& route, std::string_view path) {
  size_t index = 0;
  bool matched = true;
  ForEachSegment(path, [&](std::string_view segment) {
    if (index >= route.segments.size()) return matched = false;
    const std::string& expected = route.segments[index++];
    matched = IsParam(expected) ? !segment.empty() : segment == expected;
    return matched;
  });
  return matched && index == route.segments.size();
}

bool Router::MoreSpecific(const Route& a, const Route& b) {
  // Both match the same path, so they have as many segments; the first literal wins.
  for (size_t i = 0; i < a.segments.size() && i < b.segments.size(); ++i) {
    bool a_literal = !IsParam(a.segments[i]);
    bool b_literal = !IsParam(b.segments[i]);
    if (a_literal != b_literal) return a_literal;
  }
  return false;
}

}  // namespace tinysaga::http
