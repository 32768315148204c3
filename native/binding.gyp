{
  "targets": [
    {
      "target_name": "conntest_native",
      "sources": ["conntest_native.c", "tcp_info.c", "udp_batch.c", "tcp_receive.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
