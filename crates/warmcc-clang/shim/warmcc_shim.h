// The narrow C ABI between Rust and the in-process Clang session.
//
// Every string is UTF-8 and NUL-terminated unless a length is given. Results are owned by the
// caller and released with warmcc_result_free; sessions with warmcc_session_free. A session is not
// thread-safe: the caller serialises every call on one session.
#ifndef WARMCC_SHIM_H
#define WARMCC_SHIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct warmcc_session warmcc_session;
typedef struct warmcc_result warmcc_result;

typedef struct warmcc_session_options {
  // Driver arguments (e.g. --target=, -std=, -O1, -g, -I, -D, -resource-dir, -include-pch).
  const char *const *args;
  size_t nargs;
  // Target triple; NULL or "" means the host.
  const char *triple;
  // Prelude source parsed once before the first snippet; may be NULL.
  const char *prelude;
  size_t prelude_len;
  // Nonzero: later objects reference inline/template code already shipped instead of re-emitting it.
  int dedup;
  // Appended to names of internal-linkage definitions promoted to external linkage.
  const char *symbol_suffix;
} warmcc_session_options;

typedef struct warmcc_diag {
  int severity; // 1 note, 2 remark, 3 warning, 4 error, 5 fatal
  const char *file;
  unsigned line;
  unsigned column;
  const char *message;
} warmcc_diag;

// Starts a session. Always returns a result; when it is ok, *out holds the session and the
// result's object is the prelude object (link it with the snippets' objects).
warmcc_result *warmcc_session_new(const warmcc_session_options *opts, warmcc_session **out);

// Compiles one snippet into an object of its own.
warmcc_result *warmcc_session_compile(warmcc_session *s, const char *name, const char *src,
                                      size_t len);

// Undoes the last n successful snippets, or refuses (nonzero return) and explains in *why
// (free it with warmcc_string_free).
int warmcc_session_undo(warmcc_session *s, unsigned n, char **why);

// Number of successful snippets that are still in effect.
unsigned warmcc_session_snippets(const warmcc_session *s);

void warmcc_session_free(warmcc_session *s);

// Builds a PCH from prelude source with the session's options, written to out_path.
warmcc_result *warmcc_build_pch(const warmcc_session_options *opts, const char *out_path);

int warmcc_result_ok(const warmcc_result *r);
const uint8_t *warmcc_result_object(const warmcc_result *r, size_t *len);
const char *warmcc_result_text(const warmcc_result *r, size_t *len);
const char *warmcc_result_error(const warmcc_result *r);
size_t warmcc_result_diag_count(const warmcc_result *r);
warmcc_diag warmcc_result_diag(const warmcc_result *r, size_t i);
void warmcc_result_free(warmcc_result *r);
void warmcc_string_free(char *s);

#ifdef __cplusplus
}
#endif

#endif
