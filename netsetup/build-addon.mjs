// Builds the native addon (native/: TCP_INFO through Node-API) with node-gyp,
// from source against this Node's headers; npm runs it at install. Where it
// cannot build (no compiler, no headers), install still succeeds: the agent
// runs without it and says so once (src/native/addon.ts). One line either way.
import { spawnSync } from "node:child_process";
import { existsSync, realpathSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const native = join(root, "native");
const built = join(native, "build/Release/conntest_native.node");
const say = (line) => console.log(`build-addon: ${line}`);

if (process.env.CONNTEST_NO_ADDON) {
  rmSync(join(native, "build"), { recursive: true, force: true });
  say("CONNTEST_NO_ADDON is set: not built; TCP kernel figures will be null");
  process.exit(0);
}
// npm hands its own node-gyp to install scripts; outside npm (the image's build stage), npm's
// copy beside this Node, or a node-gyp on the PATH (Debian's package).
const onPath = spawnSync("sh", ["-c", "command -v node-gyp"], { encoding: "utf8" }).stdout?.trim();
const gyp = [
  process.env.npm_config_node_gyp,
  join(dirname(process.execPath), "../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js"),
  onPath && realpathSync(onPath),
].find((candidate) => candidate && existsSync(candidate));
if (gyp === undefined) {
  say("node-gyp not found (npm's or on the PATH): not built; TCP kernel figures will be null");
  process.exit(0);
}
// Node's own headers where they sit beside it: nothing to download.
const prefix = join(dirname(process.execPath), "..");
const headers = existsSync(join(prefix, "include/node/node_api.h")) ? [`--nodedir=${prefix}`] : [];
const started = Date.now();
const run = spawnSync(process.execPath, [gyp, "rebuild", "--directory", native, ...headers], {
  encoding: "utf8",
  stdio: ["ignore", "pipe", "pipe"],
});
if (run.status === 0 && existsSync(built)) {
  say(`built ${built.slice(root.length + 1)} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
} else {
  const why = `${run.stderr ?? ""}${run.error?.message ?? ""}`
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => /error/i.test(l) && !/^gyp ERR! (stack|System|command|cwd|node|not ok)/.test(l))
    .slice(0, 1)[0]
    ?.replace(/^gyp ERR! /, "");
  rmSync(join(native, "build"), { recursive: true, force: true });
  say(
    `not built (${why ?? `node-gyp exited ${run.status}`}); the agent runs without it, TCP kernel figures null. Needs python3, make, a C compiler and Node's headers`,
  );
}
