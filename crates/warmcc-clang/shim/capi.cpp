// The C ABI over warmcc::Session.
#include "result.h"
#include "session.h"
#include "warmcc_shim.h"

#include <cstdlib>
#include <cstring>

struct warmcc_session {
  std::unique_ptr<warmcc::Session> S;
};

extern "C" {

warmcc_result *warmcc_session_new(const warmcc_session_options *O, warmcc_session **Out) {
  auto *R = new warmcc_result();
  *Out = nullptr;
  std::unique_ptr<warmcc::Session> S = warmcc::Session::create(*O, *R);
  if (S)
    *Out = new warmcc_session{std::move(S)};
  return R;
}

warmcc_result *warmcc_session_compile(warmcc_session *S, const char *Name, const char *Src,
                                      size_t Len) {
  auto *R = new warmcc_result();
  S->S->compile(Name ? Name : "", llvm::StringRef(Src, Len), *R);
  return R;
}

int warmcc_session_undo(warmcc_session *S, unsigned N, char **Why) {
  std::string Reason;
  if (S->S->undo(N, Reason)) {
    *Why = nullptr;
    return 0;
  }
  *Why = strdup(Reason.c_str());
  return 1;
}

unsigned warmcc_session_snippets(const warmcc_session *S) { return S->S->snippets(); }

void warmcc_session_free(warmcc_session *S) { delete S; }

int warmcc_result_ok(const warmcc_result *R) { return R->ok ? 1 : 0; }

const uint8_t *warmcc_result_object(const warmcc_result *R, size_t *Len) {
  *Len = R->object.size();
  return reinterpret_cast<const uint8_t *>(R->object.data());
}

const char *warmcc_result_text(const warmcc_result *R, size_t *Len) {
  *Len = R->text.size();
  return R->text.data();
}

const char *warmcc_result_error(const warmcc_result *R) { return R->error.c_str(); }

size_t warmcc_result_diag_count(const warmcc_result *R) { return R->diags.size(); }

warmcc_diag warmcc_result_diag(const warmcc_result *R, size_t I) {
  const WarmDiag &D = R->diags[I];
  return warmcc_diag{D.severity, D.file.c_str(), D.line, D.column, D.message.c_str()};
}

void warmcc_result_free(warmcc_result *R) { delete R; }

void warmcc_string_free(char *S) { std::free(S); }
}
