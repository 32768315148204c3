{
  "targets": [
    {
      "target_name": "conntest_native",
      "sources": ["conntest_native.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
