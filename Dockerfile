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
LABEL org.conntest-lab.role=agent
ENTRYPOINT ["node", "/opt/conntest/dist/src/bin/conntest.js"]
CMD ["--help"]
