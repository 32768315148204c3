/*
 * UDP datagrams in batches: sendmmsg(2) for DATA a round sends, one system
 * call for up to 64 where Node's dgram makes one (and a JS callback) each;
 * recvmmsg(2) on the receiving side, one JS call per batch.
 */
#define _GNU_SOURCE /* sendmmsg, recvmmsg */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "conntest_native.h"

#define MAX_BATCH 64

/*
 * sendDatagrams(fd, buffer, size, count, host, port): sends `count` datagrams
 * of `size` bytes laid end to end in `buffer`, with one sendmmsg. `host` null
 * on a connected socket, else the IPv4 or IPv6 address to send to. Returns
 * how many the kernel took (0 when its buffer is full: EAGAIN), or throws.
 */
napi_value send_datagrams(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  int32_t fd, size, count, port = 0;
  void *data = NULL;
  size_t length = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 6 ||
      napi_get_value_int32(env, argv[0], &fd) != napi_ok ||
      napi_get_buffer_info(env, argv[1], &data, &length) != napi_ok ||
      napi_get_value_int32(env, argv[2], &size) != napi_ok ||
      napi_get_value_int32(env, argv[3], &count) != napi_ok ||
      napi_get_value_int32(env, argv[5], &port) != napi_ok) {
    napi_throw_type_error(env, NULL, "sendDatagrams(fd, buffer, size, count, host, port)");
    return NULL;
  }
  if (fd < 0 || size <= 0 || count <= 0 || count > MAX_BATCH || (size_t)size * count > length) {
    napi_throw_range_error(env, NULL, "sendDatagrams: size × count must fit the buffer, count 1 to 64");
    return NULL;
  }
  struct sockaddr_storage to;
  socklen_t to_len = 0;
  napi_valuetype host_type;
  napi_typeof(env, argv[4], &host_type);
  if (host_type == napi_string) {
    char host[64];
    size_t host_len = 0;
    napi_get_value_string_utf8(env, argv[4], host, sizeof host, &host_len);
    memset(&to, 0, sizeof to);
    struct sockaddr_in *v4 = (struct sockaddr_in *)&to;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&to;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
      v4->sin_family = AF_INET;
      v4->sin_port = htons((uint16_t)port);
      to_len = sizeof *v4;
    } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
      v6->sin6_family = AF_INET6;
      v6->sin6_port = htons((uint16_t)port);
      to_len = sizeof *v6;
    } else {
      napi_throw_type_error(env, NULL, "sendDatagrams: host must be an IPv4 or IPv6 address");
      return NULL;
    }
  }
  struct mmsghdr msgs[MAX_BATCH];
  struct iovec iovs[MAX_BATCH];
  memset(msgs, 0, sizeof msgs);
  for (int i = 0; i < count; i++) {
    iovs[i].iov_base = (char *)data + (size_t)i * size;
    iovs[i].iov_len = (size_t)size;
    msgs[i].msg_hdr.msg_iov = &iovs[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
    if (to_len > 0) {
      msgs[i].msg_hdr.msg_name = &to;
      msgs[i].msg_hdr.msg_namelen = to_len;
    }
  }
  int sent;
  do {
    sent = sendmmsg(fd, msgs, (unsigned)count, MSG_DONTWAIT);
  } while (sent < 0 && errno == EINTR);
  if (sent < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) sent = 0;
    else {
      /* ECONNREFUSED and the like: the code goes to JS as err.code; EPERM is a netfilter DROP
         in OUTPUT (a node's loss impairment), which udp-link.ts counts as a lost datagram */
      int err = errno;
      napi_value error, code, message;
      napi_create_string_utf8(env, err == ECONNREFUSED ? "ECONNREFUSED" : err == EPERM ? "EPERM" : "ESEND", NAPI_AUTO_LENGTH, &code);
      napi_create_string_utf8(env, strerror(err), NAPI_AUTO_LENGTH, &message);
      napi_create_error(env, code, message, &error);
      napi_throw(env, error);
      return NULL;
    }
  }
  napi_value result;
  napi_create_int32(env, sent, &result);
  return result;
}

/*
 * Datagrams received in batches. Node's dgram reads one datagram per call into
 * a new buffer and calls JS for each; here a uv_poll watches a dup of the
 * socket's descriptor (Node's own reading is stopped by the caller) and, each
 * time it is readable, recvmmsg reads up to SLOTS datagrams into fixed slots:
 * JS is called once per batch, with the slots and, per datagram, its length
 * and source address in `meta`.
 */
#define SLOTS 32
#define SLOT_BYTES 65536
#define META_BYTES 32
/* a wakeup reads at most this many batches, then lets the loop run other I/O */
#define BATCHES_PER_WAKEUP 16

typedef struct {
  uv_poll_t poll;
  int fd;
  int closing;
  napi_env env;
  napi_ref callback;
  napi_async_context async;
  char *slots;
  char *meta;
  struct mmsghdr msgs[SLOTS];
  struct iovec iovs[SLOTS];
  struct sockaddr_storage from[SLOTS];
  /* room for one SCM_TIMESTAMPNS per datagram */
  char control[SLOTS][CMSG_SPACE(sizeof(struct timespec))];
} watcher;

static void call_batch(watcher *w, int count, const char *error) {
  napi_env env = w->env;
  napi_value cb, recv, argv[2], result;
  napi_get_reference_value(env, w->callback, &cb);
  napi_get_global(env, &recv); /* MakeCallback wants an object as `this` */
  napi_create_int32(env, count, &argv[0]);
  if (error) napi_create_string_utf8(env, error, NAPI_AUTO_LENGTH, &argv[1]);
  else napi_get_null(env, &argv[1]);
  if (napi_make_callback(env, w->async, recv, cb, 2, argv, &result) == napi_pending_exception) {
    napi_value exception;
    napi_get_and_clear_last_exception(env, &exception);
    napi_fatal_exception(env, exception);
  }
}

static void on_readable(uv_poll_t *handle, int status, int events) {
  (void)events;
  watcher *w = (watcher *)handle->data;
  if (w->closing) return;
  napi_handle_scope scope;
  napi_open_handle_scope(w->env, &scope);
  /* libuv reports a pending socket error (POLLERR: an ICMP error queued on the socket) as a
   * status and stops watching; the read below takes the error itself (ECONNREFUSED), and
   * watching starts again after it. */
  int stopped = status < 0;
  for (int batch = 0; batch < BATCHES_PER_WAKEUP && !w->closing; batch++) {
    for (int i = 0; i < SLOTS; i++) {
      w->msgs[i].msg_hdr.msg_namelen = sizeof w->from[i];
      w->msgs[i].msg_hdr.msg_controllen = sizeof w->control[i];
    }
    int n = recvmmsg(w->fd, w->msgs, SLOTS, MSG_DONTWAIT, NULL);
    /* the kernel stamps arrivals on the wall clock: moved onto the monotonic clock here */
    struct timespec real, mono;
    clock_gettime(CLOCK_REALTIME, &real);
    clock_gettime(CLOCK_MONOTONIC, &mono);
    double real_to_mono_ms = (mono.tv_sec - real.tv_sec) * 1e3 + (mono.tv_nsec - real.tv_nsec) / 1e6;
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      /* an ICMP error on a connected socket (ECONNREFUSED): reported, then reading goes on */
      call_batch(w, 0, errno == ECONNREFUSED ? "ECONNREFUSED" : strerror(errno));
      continue;
    }
    for (int i = 0; i < n; i++) {
      unsigned char *m = (unsigned char *)w->meta + i * META_BYTES;
      memset(m, 0, META_BYTES);
      uint32_t len = w->msgs[i].msg_len;
      /* longer than a slot: cut off; the caller sees a length over SLOT_BYTES and drops it */
      if (w->msgs[i].msg_hdr.msg_flags & MSG_TRUNC) len = SLOT_BYTES + 1;
      memcpy(m, &len, 4);
      struct sockaddr_storage *from = &w->from[i];
      if (from->ss_family == AF_INET) {
        struct sockaddr_in *v4 = (struct sockaddr_in *)from;
        m[4] = 4;
        memcpy(m + 6, &v4->sin_port, 2);
        memcpy(m + 8, &v4->sin_addr, 4);
      } else if (from->ss_family == AF_INET6) {
        struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)from;
        m[4] = 6;
        memcpy(m + 6, &v6->sin6_port, 2);
        memcpy(m + 8, &v6->sin6_addr, 16);
      }
      /* when the datagram reached the socket (SO_TIMESTAMPNS), monotonic ms; 0 if not stamped */
      double arrival = 0;
      for (struct cmsghdr *c = CMSG_FIRSTHDR(&w->msgs[i].msg_hdr); c;
           c = CMSG_NXTHDR(&w->msgs[i].msg_hdr, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
          struct timespec ts;
          memcpy(&ts, CMSG_DATA(c), sizeof ts);
          arrival = ts.tv_sec * 1e3 + ts.tv_nsec / 1e6 + real_to_mono_ms;
        }
      }
      memcpy(m + 24, &arrival, 8);
    }
    if (n > 0) call_batch(w, n, NULL);
    if (n < SLOTS) break;
  }
  if (stopped && !w->closing) uv_poll_start(&w->poll, UV_READABLE, on_readable);
  napi_close_handle_scope(w->env, scope);
}

static void on_closed(uv_handle_t *handle) {
  watcher *w = (watcher *)handle->data;
  close(w->fd);
  free(w->slots);
  free(w->meta);
  free(w);
}

static napi_value stop_watching(napi_env env, napi_callback_info info) {
  watcher *w = NULL;
  napi_get_cb_info(env, info, NULL, NULL, NULL, (void **)&w);
  napi_value undefined;
  napi_get_undefined(env, &undefined);
  if (!w || w->closing) return undefined;
  w->closing = 1;
  uv_poll_stop(&w->poll);
  napi_delete_reference(env, w->callback);
  napi_async_destroy(env, w->async);
  uv_close((uv_handle_t *)&w->poll, on_closed);
  return undefined;
}

/* No-op finaliser: the slots belong to the watcher, freed when it closes. */
static void keep(napi_env env, void *data, void *hint) {
  (void)env;
  (void)data;
  (void)hint;
}

/*
 * receiveDatagrams(fd, onBatch): starts batched reading of the UDP socket `fd`.
 * Returns { slots, meta, slotBytes, metaBytes, close }. onBatch(count, error)
 * runs with datagram i in slots at i × slotBytes, its length (u32, host order),
 * source (family 4 or 6 at byte 4, port u16 BE at 6, address at 8) and the
 * kernel's arrival time (f64 host order at 24, CLOCK_MONOTONIC ms, 0 when not
 * stamped) in meta at i × metaBytes; error is an errno name when the socket
 * reported one.
 * The slots are reused by the next batch: copy what must outlive the call.
 */
napi_value receive_datagrams(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t fd = -1;
  napi_valuetype cb_type;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2 ||
      napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0 ||
      napi_typeof(env, argv[1], &cb_type) != napi_ok || cb_type != napi_function) {
    napi_throw_type_error(env, NULL, "receiveDatagrams(fd, onBatch)");
    return NULL;
  }
  uv_loop_t *loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) {
    napi_throw_error(env, NULL, "receiveDatagrams: no event loop");
    return NULL;
  }
  watcher *w = calloc(1, sizeof *w);
  if (w) {
    w->slots = malloc((size_t)SLOTS * SLOT_BYTES);
    w->meta = calloc(SLOTS, META_BYTES);
  }
  if (!w || !w->slots || !w->meta) {
    if (w) {
      free(w->slots);
      free(w->meta);
    }
    free(w);
    napi_throw_error(env, NULL, "receiveDatagrams: out of memory");
    return NULL;
  }
  w->fd = dup(fd);
  if (w->fd < 0) {
    int err = errno;
    free(w->slots);
    free(w->meta);
    free(w);
    return throw_errno(env, "receiveDatagrams: dup", err);
  }
  w->env = env;
  for (int i = 0; i < SLOTS; i++) {
    w->iovs[i].iov_base = w->slots + (size_t)i * SLOT_BYTES;
    w->iovs[i].iov_len = SLOT_BYTES;
    w->msgs[i].msg_hdr.msg_iov = &w->iovs[i];
    w->msgs[i].msg_hdr.msg_iovlen = 1;
    w->msgs[i].msg_hdr.msg_name = &w->from[i];
    w->msgs[i].msg_hdr.msg_control = w->control[i];
  }
  /* arrival times from the kernel, as irtt takes them: a process's wake-up stays out */
  int on = 1;
  setsockopt(w->fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
  napi_value resource_name;
  napi_create_string_utf8(env, "conntest:udp-receive", NAPI_AUTO_LENGTH, &resource_name);
  napi_async_init(env, NULL, resource_name, &w->async);
  napi_create_reference(env, argv[1], 1, &w->callback);
  int rc = uv_poll_init(loop, &w->poll, w->fd);
  if (rc == 0) {
    w->poll.data = w;
    rc = uv_poll_start(&w->poll, UV_READABLE, on_readable);
    if (rc != 0) {
      w->closing = 1;
      napi_delete_reference(env, w->callback);
      napi_async_destroy(env, w->async);
      uv_close((uv_handle_t *)&w->poll, on_closed);
    }
  } else {
    napi_delete_reference(env, w->callback);
    napi_async_destroy(env, w->async);
    close(w->fd);
    free(w->slots);
    free(w->meta);
    free(w);
  }
  if (rc != 0) {
    napi_throw_error(env, NULL, uv_strerror(rc));
    return NULL;
  }

  napi_value out, v;
  napi_create_object(env, &out);
  napi_create_external_buffer(env, (size_t)SLOTS * SLOT_BYTES, w->slots, keep, NULL, &v);
  napi_set_named_property(env, out, "slots", v);
  napi_create_external_buffer(env, (size_t)SLOTS * META_BYTES, w->meta, keep, NULL, &v);
  napi_set_named_property(env, out, "meta", v);
  napi_create_int32(env, SLOT_BYTES, &v);
  napi_set_named_property(env, out, "slotBytes", v);
  napi_create_int32(env, META_BYTES, &v);
  napi_set_named_property(env, out, "metaBytes", v);
  napi_create_function(env, "close", NAPI_AUTO_LENGTH, stop_watching, w, &v);
  napi_set_named_property(env, out, "close", v);
  return out;
}

