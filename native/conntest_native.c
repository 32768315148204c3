/*
 * conntest's native addon (Node-API, C): what Node does not expose. The
 * kernel's own view of a TCP socket (tcp_info.c), TCP bytes with the kernel's
 * arrival time (tcp_receive.c), and UDP datagrams sent and received in
 * batches (udp_batch.c). Built by node-gyp at `npm install`
 * (netsetup/build-addon.mjs); the agent runs without it, its TCP figures then
 * null and UDP datagrams one system call each (src/native/addon.ts).
 */
#include <stdio.h>
#include <string.h>

#include "conntest_native.h"

napi_value throw_errno(napi_env env, const char *what, int err) {
  char msg[160];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  napi_throw_error(env, NULL, msg);
  return NULL;
}

void set_num(napi_env env, napi_value obj, const char *key, double value) {
  napi_value v;
  napi_create_double(env, value, &v);
  napi_set_named_property(env, obj, key, v);
}

void set_null(napi_env env, napi_value obj, const char *key) {
  napi_value v;
  napi_get_null(env, &v);
  napi_set_named_property(env, obj, key, v);
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "tcpInfo", NAPI_AUTO_LENGTH, tcp_info, NULL, &fn);
  napi_set_named_property(env, exports, "tcpInfo", fn);
  napi_create_function(env, "sendDatagrams", NAPI_AUTO_LENGTH, send_datagrams, NULL, &fn);
  napi_set_named_property(env, exports, "sendDatagrams", fn);
  napi_create_function(env, "receiveDatagrams", NAPI_AUTO_LENGTH, receive_datagrams, NULL, &fn);
  napi_set_named_property(env, exports, "receiveDatagrams", fn);
  napi_create_function(env, "receiveStream", NAPI_AUTO_LENGTH, receive_stream, NULL, &fn);
  napi_set_named_property(env, exports, "receiveStream", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
