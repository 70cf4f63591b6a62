// gMock doubles for the kube library's interfaces (HttpTransport, AuthProvider, Client).
#pragma once

#include <gmock/gmock.h>

#include "kube/auth.h"
#include "kube/client.h"
#include "kube/transport.h"

namespace kaudit::kube {

class MockHttpTransport : public HttpTransport {
 public:
  MOCK_METHOD(StatusOr<HttpResponse>, Do, (const HttpRequest& req), (override));
  MOCK_METHOD(StatusOr<HttpResponse>, Stream,
              (const HttpRequest& req, const std::function<bool(std::string_view)>& on_line,
               Canceller* cancel),
              (override));
};

class MockAuthProvider : public AuthProvider {
 public:
  MOCK_METHOD(StatusOr<Credentials>, Get, (), (override));
  MOCK_METHOD(void, Invalidate, (), (override));
};

class MockClient : public Client {
 public:
  MOCK_METHOD(StatusOr<Json>, Get,
              (const ResourceType& t, const std::string& ns, const std::string& name),
              (override));
  MOCK_METHOD(StatusOr<Json>, ListPage,
              (const ResourceType& t, const std::string& ns, const ListOptions& o), (override));
  MOCK_METHOD(StatusOr<Json>, List,
              (const ResourceType& t, const std::string& ns, const ListOptions& o), (override));
  MOCK_METHOD(StatusOr<Json>, Create,
              (const ResourceType& t, const std::string& ns, const Json& obj), (override));
  MOCK_METHOD(StatusOr<Json>, Update, (const ResourceType& t, const Json& obj), (override));
  MOCK_METHOD(StatusOr<Json>, UpdateStatus, (const ResourceType& t, const Json& obj),
              (override));
  MOCK_METHOD(StatusOr<Json>, Patch,
              (const ResourceType& t, const std::string& ns, const std::string& name,
               PatchType type, const Json& patch, const PatchOptions& o),
              (override));
  MOCK_METHOD(StatusOr<Json>, Apply,
              (const ResourceType& t, const Json& obj, const PatchOptions& o), (override));
  MOCK_METHOD(Status, Delete,
              (const ResourceType& t, const std::string& ns, const std::string& name,
               const DeleteOptions& o),
              (override));
  MOCK_METHOD(Status, Watch,
              (const ResourceType& t, const std::string& ns, const WatchOptions& o,
               const std::function<bool(const WatchEvent&)>& on_event, Canceller* cancel),
              (override));
};

}  // namespace kaudit::kube
