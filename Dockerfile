# The conntest agent in a container: Node, the built agent, iproute2 and iptables.
# Build after `npm install` (which builds dist/). No registry here? Build the
# base and the builder from Debian packages first: netsetup/build-base-image.sh
# conntest-base:trixie-2, and netsetup/build-base-image.sh conntest-build:trixie builder, then
#   docker build --build-arg BASE=conntest-base:trixie-2 --build-arg BUILDER=conntest-build:trixie -t conntest .
ARG BASE=node:20-bookworm-slim
ARG BUILDER=node:20-bookworm

# The native addon (TCP_INFO, kernel timestamps, UDP batches), compiled from
# source by node-gyp against the builder's own Node headers. Where the builder
# cannot compile it (no compiler), the image has no addon and the agent says so.
FROM ${BUILDER} AS addon
# the stage's image is left untagged; the label lets the tool find and remove it
LABEL org.conntest-lab.tool=conntest-lab org.conntest-lab.role=addon-stage
WORKDIR /opt/conntest
COPY netsetup/build-addon.mjs ./netsetup/
COPY native ./native
RUN node netsetup/build-addon.mjs && mkdir -p native/build/Release

FROM ${BASE}
# What the lab needs (ip, tc, iptables) and what a network engineer reaches for
# inside a node (ping, traceroute, tcpdump, ss; `conntest-lab exec` and
# `capture`). The offline base has them already; the public Node image needs them.
RUN for tool in ip tc iptables ss ping traceroute tcpdump; do \
      command -v "$tool" >/dev/null || missing=1; \
    done; \
    if [ -n "${missing:-}" ]; then \
      apt-get update && apt-get install -y --no-install-recommends \
        iproute2 iptables iputils-ping traceroute tcpdump \
      && rm -rf /var/lib/apt/lists/*; \
    fi
WORKDIR /opt/conntest
COPY package.json package-lock.json ./
COPY node_modules ./node_modules
COPY dist/src ./dist/src
# Node-API is ABI-stable across Node versions: the builder's module loads in the base's Node.
COPY --from=addon /opt/conntest/native/build/Release ./native/build/Release
LABEL org.conntest-lab.role=agent
# `conntest` on the PATH runs the bin through its shebang, which carries the
# agent's V8 flags (see src/bin/conntest.ts); labs and the bench call it so.
RUN chmod +x dist/src/bin/conntest.js && ln -s /opt/conntest/dist/src/bin/conntest.js /usr/local/bin/conntest
ENTRYPOINT ["conntest"]
CMD ["--help"]
