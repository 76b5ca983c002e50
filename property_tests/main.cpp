// Runs every property with at least 1,000 cases by default; RC_PARAMS (for example
// "max_success=10000 seed=42") still overrides it, so a failing seed can be replayed.
#define CATCH_CONFIG_RUNNER
#include <cstdlib>
#include <string>

#include <catch2/catch.hpp>

int main(int argc, char* argv[]) {
  const char* given = std::getenv("RC_PARAMS");
  std::string params = given != nullptr ? given : "";
  if (params.find("max_success") == std::string::npos) {
    params = "max_success=1000 " + params;
    setenv("RC_PARAMS", params.c_str(), 1);
  }
  return Catch::Session().run(argc, argv);
}
