{
  "targets": [
    {
      "target_name": "conntest_native",
      "sources": ["tcp_info.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
