/* getsockopt(TCP_INFO): the kernel's own view of a TCP socket, as ss -ti and iperf3 show it. */
#include <errno.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

#include "conntest_native.h"

/* Whether the kernel filled `field`: older kernels return a shorter struct. */
#define HAS(len, field) \
  ((len) >= offsetof(struct tcp_info, field) + sizeof(((struct tcp_info *)0)->field))

/* tcpInfo(fd): the socket's TCP_INFO, raw units (µs, segments, bytes/s); null where the kernel gave none. */
napi_value tcp_info(napi_env env, napi_callback_info info) {
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

