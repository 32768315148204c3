# The conntest agent in a container: Node, the built agent, iproute2 and iptables.
# Build after `npm install` (which builds dist/). No registry here? Build the
# base from Debian packages first: netsetup/build-base-image.sh, then
#   docker build --build-arg BASE=conntest-base:trixie -t conntest .
ARG BASE=node:20-bookworm-slim
FROM ${BASE}
# The offline base has these already; the public Node image needs them.
RUN if ! command -v ip >/dev/null || ! command -v iptables >/dev/null || ! command -v tc >/dev/null; then \
      apt-get update && apt-get install -y --no-install-recommends iproute2 iptables \
      && rm -rf /var/lib/apt/lists/*; \
    fi
WORKDIR /opt/conntest
COPY package.json package-lock.json ./
COPY node_modules ./node_modules
COPY dist/src ./dist/src
# The native addon (TCP_INFO), built by node-gyp at `npm install` against the
# host's Node: Node-API is ABI-stable across Node versions, so the image's Node
# loads it. Where it was not built only binding.gyp is here, and the agent says so.
COPY native ./native
LABEL org.conntest-lab.role=agent
# `conntest` on the PATH runs the bin through its shebang, which carries the
# agent's V8 flags (see src/bin/conntest.ts); labs and the bench call it so.
RUN chmod +x dist/src/bin/conntest.js && ln -s /opt/conntest/dist/src/bin/conntest.js /usr/local/bin/conntest
ENTRYPOINT ["conntest"]
CMD ["--help"]
