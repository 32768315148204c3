/*
 * A TCP socket's bytes with the kernel's arrival time. Node reads TCP with
 * read(2), which carries no timestamp, so a pong's arrival is the time the
 * process woke up to read it. Here a uv_poll watches a dup of the socket's
 * descriptor (Node's own reading is stopped by the caller) and recvmsg reads
 * into one buffer, shared by every socket (JS consumes each read before the
 * loop can do the next one), with SO_TIMESTAMPNS: the kernel stamps when the last
 * segment of each read reached the socket, as irtt's server and client stamp
 * UDP. JS is called once per read with the byte count and that time.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "conntest_native.h"

#define CHUNK_BYTES (256 * 1024)
/* a wakeup reads at most this many chunks, then lets the loop run other I/O */
#define READS_PER_WAKEUP 16

/* One read buffer for all sockets, a JS Buffer kept alive for the process's life. */
static napi_ref shared_chunk_ref = NULL;
static char *shared_chunk = NULL;

static int ensure_shared_chunk(napi_env env) {
  if (shared_chunk) return 1;
  napi_value buffer;
  void *data = NULL;
  if (napi_create_buffer(env, CHUNK_BYTES, &data, &buffer) != napi_ok) return 0;
  if (napi_create_reference(env, buffer, 1, &shared_chunk_ref) != napi_ok) return 0;
  shared_chunk = data;
  return 1;
}

typedef struct {
  uv_poll_t poll;
  int fd;
  int closing;
  /* end of stream or an error was reported: nothing more to read */
  int done;
  napi_env env;
  napi_ref callback;
  napi_async_context async;
  char control[CMSG_SPACE(sizeof(struct timespec))];
} stream_watcher;

/* onChunk(bytes, arrivalMs, error): bytes > 0 data; 0 and no error the end of the stream. */
static void call_chunk(stream_watcher *w, ssize_t bytes, double arrival, const char *error) {
  napi_env env = w->env;
  napi_value cb, recv, argv[3], result;
  napi_get_reference_value(env, w->callback, &cb);
  napi_get_global(env, &recv);
  napi_create_int64(env, bytes, &argv[0]);
  napi_create_double(env, arrival, &argv[1]);
  if (error) napi_create_string_utf8(env, error, NAPI_AUTO_LENGTH, &argv[2]);
  else napi_get_null(env, &argv[2]);
  if (napi_make_callback(env, w->async, recv, cb, 3, argv, &result) == napi_pending_exception) {
    napi_value exception;
    napi_get_and_clear_last_exception(env, &exception);
    napi_fatal_exception(env, exception);
  }
}

static const char *errno_name(int err) {
  switch (err) {
    case ECONNRESET: return "ECONNRESET";
    case ETIMEDOUT: return "ETIMEDOUT";
    case EHOSTUNREACH: return "EHOSTUNREACH";
    case ENETUNREACH: return "ENETUNREACH";
    case EPIPE: return "EPIPE";
    case ECONNREFUSED: return "ECONNREFUSED";
    default: return strerror(err);
  }
}

static void on_stream_readable(uv_poll_t *handle, int status, int events) {
  (void)status;
  (void)events;
  stream_watcher *w = (stream_watcher *)handle->data;
  if (w->closing || w->done) return;
  napi_handle_scope scope;
  napi_open_handle_scope(w->env, &scope);
  for (int i = 0; i < READS_PER_WAKEUP && !w->closing && !w->done; i++) {
    struct iovec iov = {shared_chunk, CHUNK_BYTES};
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = w->control;
    msg.msg_controllen = sizeof w->control;
    ssize_t n = recvmsg(w->fd, &msg, MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      w->done = 1;
      uv_poll_stop(&w->poll);
      call_chunk(w, 0, 0, errno_name(errno));
      break;
    }
    if (n == 0) {
      w->done = 1;
      uv_poll_stop(&w->poll);
      call_chunk(w, 0, 0, NULL);
      break;
    }
    /* the kernel stamps arrivals on the wall clock: moved onto the monotonic clock here */
    double arrival = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
        struct timespec ts, real, mono;
        memcpy(&ts, CMSG_DATA(c), sizeof ts);
        clock_gettime(CLOCK_REALTIME, &real);
        clock_gettime(CLOCK_MONOTONIC, &mono);
        arrival = (ts.tv_sec + mono.tv_sec - real.tv_sec) * 1e3 +
                  (ts.tv_nsec + mono.tv_nsec - real.tv_nsec) / 1e6;
      }
    }
    call_chunk(w, n, arrival, NULL);
    if (n < CHUNK_BYTES) break; /* the socket is drained */
  }
  napi_close_handle_scope(w->env, scope);
}

static void on_stream_closed(uv_handle_t *handle) {
  stream_watcher *w = (stream_watcher *)handle->data;
  close(w->fd);
  free(w);
}

static napi_value stop_stream(napi_env env, napi_callback_info info) {
  stream_watcher *w = NULL;
  napi_get_cb_info(env, info, NULL, NULL, NULL, (void **)&w);
  napi_value undefined;
  napi_get_undefined(env, &undefined);
  if (!w || w->closing) return undefined;
  w->closing = 1;
  uv_poll_stop(&w->poll);
  napi_delete_reference(env, w->callback);
  napi_async_destroy(env, w->async);
  /* the duplicate descriptor goes with it, so the socket is closed once Node closes its own */
  uv_close((uv_handle_t *)&w->poll, on_stream_closed);
  return undefined;
}

/*
 * receiveStream(fd, onChunk): starts reading the TCP socket `fd` (Node's reading
 * must be stopped). Returns { chunk, close }. onChunk(bytes, arrivalMs, error)
 * runs per read with the bytes at the start of `chunk` and the kernel's arrival
 * time (CLOCK_MONOTONIC ms, 0 when not stamped); bytes 0 is the end of the
 * stream, or an error (its errno name). The chunk is reused by the next read,
 * of any socket.
 */
napi_value receive_stream(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t fd = -1;
  napi_valuetype cb_type;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2 ||
      napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0 ||
      napi_typeof(env, argv[1], &cb_type) != napi_ok || cb_type != napi_function) {
    napi_throw_type_error(env, NULL, "receiveStream(fd, onChunk)");
    return NULL;
  }
  uv_loop_t *loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) {
    napi_throw_error(env, NULL, "receiveStream: no event loop");
    return NULL;
  }
  stream_watcher *w = calloc(1, sizeof *w);
  if (!w || !ensure_shared_chunk(env)) {
    free(w);
    napi_throw_error(env, NULL, "receiveStream: out of memory");
    return NULL;
  }
  w->fd = dup(fd);
  if (w->fd < 0) {
    int err = errno;
    free(w);
    return throw_errno(env, "receiveStream: dup", err);
  }
  w->env = env;
  int on = 1;
  setsockopt(w->fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
  int rc = uv_poll_init(loop, &w->poll, w->fd);
  if (rc != 0) {
    close(w->fd);
    free(w);
    napi_throw_error(env, NULL, uv_strerror(rc));
    return NULL;
  }
  napi_value resource_name;
  napi_create_string_utf8(env, "conntest:tcp-receive", NAPI_AUTO_LENGTH, &resource_name);
  napi_async_init(env, NULL, resource_name, &w->async);
  napi_create_reference(env, argv[1], 1, &w->callback);
  w->poll.data = w;
  rc = uv_poll_start(&w->poll, UV_READABLE | UV_DISCONNECT, on_stream_readable);
  if (rc != 0) {
    w->closing = 1;
    napi_delete_reference(env, w->callback);
    napi_async_destroy(env, w->async);
    uv_close((uv_handle_t *)&w->poll, on_stream_closed);
    napi_throw_error(env, NULL, uv_strerror(rc));
    return NULL;
  }
  napi_value out, v;
  napi_create_object(env, &out);
  napi_get_reference_value(env, shared_chunk_ref, &v);
  napi_set_named_property(env, out, "chunk", v);
  napi_create_function(env, "close", NAPI_AUTO_LENGTH, stop_stream, w, &v);
  napi_set_named_property(env, out, "close", v);
  return out;
}
