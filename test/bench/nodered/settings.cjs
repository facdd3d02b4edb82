/* global module, process */
// Node-RED settings for the side-by-side benchmark (test/bench/nodered.ts): headless on 127.0.0.1,
// no editor, flows from <userDir>/flows.json, nodes from the project's node_modules
// (node-red-contrib-influxdb is found by Node-RED's scan of the node_modules folders above it).
module.exports = {
  uiHost: '127.0.0.1',
  uiPort: Number(process.env.BENCH_NODERED_PORT || 1880),
  flowFile: 'flows.json',
  flowFilePretty: true,
  credentialSecret: false,
  disableEditor: true,
  httpAdminRoot: false,
  httpNodeRoot: false,
  externalModules: { autoInstall: false, palette: { allowInstall: false }, modules: { allowInstall: false } },
  functionExternalModules: false,
  telemetry: { enabled: false },
  diagnostics: { enabled: false },
  runtimeState: { enabled: false },
  editorTheme: { projects: { enabled: false } },
  logging: { console: { level: 'info', metrics: false, audit: false } },
};
