#define _GNU_SOURCE /* sendmmsg */
/*
 * conntest's native addon (Node-API, C): what Node does not expose. The
 * kernel's own view of a TCP socket, getsockopt(TCP_INFO); and UDP datagrams
 * sent in batches, sendmmsg(2), one system call for up to 64 where Node's
 * dgram makes one (and a JS callback) each. Built by node-gyp at
 * `npm install` (netsetup/build-addon.mjs); the agent runs without it, its
 * TCP figures then null and UDP sent one datagram at a time (src/native/addon.ts).
 */
#define NAPI_VERSION 8
#include <node_api.h>

#include <errno.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/uio.h>

/* Whether the kernel filled `field`: older kernels return a shorter struct. */
#define HAS(len, field) \
  ((len) >= offsetof(struct tcp_info, field) + sizeof(((struct tcp_info *)0)->field))

static napi_value throw_errno(napi_env env, const char *what, int err) {
  char msg[160];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  napi_throw_error(env, NULL, msg);
  return NULL;
}

static void set_num(napi_env env, napi_value obj, const char *key, double value) {
  napi_value v;
  napi_create_double(env, value, &v);
  napi_set_named_property(env, obj, key, v);
}

static void set_null(napi_env env, napi_value obj, const char *key) {
  napi_value v;
  napi_get_null(env, &v);
  napi_set_named_property(env, obj, key, v);
}

/* tcpInfo(fd): the socket's TCP_INFO, raw units (µs, segments, bytes/s); null where the kernel gave none. */
static napi_value tcp_info(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd = -1;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, NULL, "tcpInfo(fd): fd must be a non-negative integer");
    return NULL;
  }
  struct tcp_info ti;
  socklen_t len = sizeof ti;
  memset(&ti, 0, sizeof ti);
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0)
    return throw_errno(env, "getsockopt(TCP_INFO)", errno);

  napi_value out;
  napi_create_object(env, &out);
  set_num(env, out, "state", ti.tcpi_state);
  set_num(env, out, "retransmits", ti.tcpi_retransmits);
  set_num(env, out, "total_retrans", ti.tcpi_total_retrans);
  set_num(env, out, "lost", ti.tcpi_lost);
  set_num(env, out, "snd_cwnd", ti.tcpi_snd_cwnd);
  set_num(env, out, "snd_ssthresh", ti.tcpi_snd_ssthresh);
  set_num(env, out, "snd_mss", ti.tcpi_snd_mss);
  set_num(env, out, "rtt_us", ti.tcpi_rtt);
  set_num(env, out, "rttvar_us", ti.tcpi_rttvar);
  if (HAS(len, tcpi_min_rtt)) set_num(env, out, "min_rtt_us", ti.tcpi_min_rtt);
  else set_null(env, out, "min_rtt_us");
  if (HAS(len, tcpi_delivery_rate)) set_num(env, out, "delivery_rate", (double)ti.tcpi_delivery_rate);
  else set_null(env, out, "delivery_rate");
  if (HAS(len, tcpi_bytes_retrans)) set_num(env, out, "bytes_retrans", (double)ti.tcpi_bytes_retrans);
  else set_null(env, out, "bytes_retrans");
  return out;
}

#define MAX_BATCH 64

/*
 * sendDatagrams(fd, buffer, size, count, host, port): sends `count` datagrams
 * of `size` bytes laid end to end in `buffer`, with one sendmmsg. `host` null
 * on a connected socket, else the IPv4 or IPv6 address to send to. Returns
 * how many the kernel took (0 when its buffer is full: EAGAIN), or throws.
 */
static napi_value send_datagrams(napi_env env, napi_callback_info info) {
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
      /* ECONNREFUSED and the like: the code goes to JS as err.code */
      int err = errno;
      napi_value error, code, message;
      napi_create_string_utf8(env, err == ECONNREFUSED ? "ECONNREFUSED" : "ESEND", NAPI_AUTO_LENGTH, &code);
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

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "tcpInfo", NAPI_AUTO_LENGTH, tcp_info, NULL, &fn);
  napi_set_named_property(env, exports, "tcpInfo", fn);
  napi_create_function(env, "sendDatagrams", NAPI_AUTO_LENGTH, send_datagrams, NULL, &fn);
  napi_set_named_property(env, exports, "sendDatagrams", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
