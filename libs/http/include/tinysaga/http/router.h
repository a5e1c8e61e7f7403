#pragma once
// Maps (method, path) to a route. Patterns are literal segments and {name} parameters:
// "/api/orders/{orderId}/cancel". A {name} matches one non-empty segment. Literal segments win
// over parameters, so "/api/orders/{id}/saga" and "/api/orders/{id}" can live together.
// Not thread-safe while routes are added; Match is safe to call concurrently afterwards.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tinysaga::http {

class Router {
 public:
  struct Match {
    size_t route_index = 0;
    std::string pattern;
    std::map<std::string, std::string> params;
  };
  enum class Miss { kNotFound, kMethodNotAllowed };

  // Returns the new route's index; asserts on a duplicate (method, pattern).
  size_t Add(std::string_view method, std::string_view pattern);

  // On a miss, `miss` says whether the path exists with another method (405) or not (404).
  std::optional<Match> Find(std::string_view method, std::string_view path, Miss* miss = nullptr) const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
  };
  static bool Matches(const Route& route, std::string_view path);
  // True when `a` has a literal segment where `b` first has a parameter.
  static bool MoreSpecific(const Route& a, const Route& b);

  std::vector<Route> routes_;
};

}  // namespace tinysaga::http
