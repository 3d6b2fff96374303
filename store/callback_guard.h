#pragma once
// Calls a store's completion callback so that an exception thrown by the
// caller's code is logged and contained: a throwing callback must not be
// mistaken for a failed job (which would answer the same request twice).
#include <utility>

#include <spdlog/spdlog.h>

namespace sipedge {

template <typename Callback, typename... Args>
void invoke_callback(const char* store, const char* what, const Callback& callback, Args&&... args) {
  if (!callback) return;
  try {
    callback(std::forward<Args>(args)...);
  } catch (const std::exception& e) {
    spdlog::error("{}: {} callback threw: {}", store, what, e.what());
  } catch (...) {
    spdlog::error("{}: {} callback threw a non-standard exception", store, what);
  }
}

}  // namespace sipedge
