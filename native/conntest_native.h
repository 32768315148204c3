/* The addon's parts (one file each) and what they share. */
#ifndef CONNTEST_NATIVE_H
#define CONNTEST_NATIVE_H
#ifndef NAPI_VERSION
#define NAPI_VERSION 8
#endif
#include <node_api.h>

/* Throws `what: strerror(err)` and returns NULL, for a function to return. */
napi_value throw_errno(napi_env env, const char *what, int err);
void set_num(napi_env env, napi_value obj, const char *key, double value);
void set_null(napi_env env, napi_value obj, const char *key);

napi_value tcp_info(napi_env env, napi_callback_info info);
napi_value send_datagrams(napi_env env, napi_callback_info info);
napi_value receive_datagrams(napi_env env, napi_callback_info info);
napi_value receive_stream(napi_env env, napi_callback_info info);
#endif
