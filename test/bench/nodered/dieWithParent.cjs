/* global process */
// Preloaded into the Node-RED process (node -r): its stdin is a pipe held by the benchmark harness, so
// when the harness ends for any reason the pipe closes and Node-RED exits with it.
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
