// Which way dependencies run (README "Architecture"), checked by `npm run lint`:
//   depcruise gateway processor simulators test --config .dependency-cruiser.cjs -T json | node .dependency-cruiser.cjs
// The first half is dependency-cruiser with the rules below; the second (this file run by node, at the
// bottom) prints the violations, the gateway <-> processor import counts, and exits non-zero on an error.
// Type-only imports count (tsPreCompilationDeps): a type is a dependency too.
// Test code (*.test.ts, test/**, testing helpers) may import anything: every rule's `from` leaves it out.

const TEST = '(\\.test\\.ts$|^test/|/testing(\\.ts$|/))';

/** @type {import('dependency-cruiser').IConfiguration} */
const config = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles between files (type imports included).',
      from: {},
      to: { circular: true },
    },
    {
      name: 'gateway-not-to-simulators',
      severity: 'error',
      comment: 'The gateway never imports the simulators; what composes both (the demo) lives in simulators/.',
      from: { path: '^gateway/', pathNot: TEST },
      to: { path: '^simulators/' },
    },
    {
      name: 'simulators-not-to-gateway-inputs',
      severity: 'error',
      comment:
        'Simulators speak the protocols on their own (simulators/modbus/registers.ts encodes registers) so that a bug in an input cannot cancel out; configuration types come from gateway/registry.',
      from: { path: '^simulators/', pathNot: TEST },
      to: { path: '^gateway/inputs/' },
    },
    {
      name: 'processor-not-to-gateway-inputs',
      severity: 'error',
      comment: 'The processor never reaches into an input; the valve interlock gets its Modbus commands injected.',
      from: { path: '^processor/', pathNot: TEST },
      to: { path: '^gateway/inputs/' },
    },
    {
      name: 'processor-to-gateway-contracts-only',
      severity: 'error',
      comment:
        'The processor depends on the gateway only through its contracts: the Reading model, the park registry, the dead-letter store and the wire protocols (gateway/protocols: the HJ 212 codec the forwarder speaks) and the access-control contract its HTTP routes enforce (gateway/auth: the principal and audit types, the role guards, the scopes, the masking of personal data; never the authentication itself). Everything else it needs is injected by the composition root.',
      from: { path: '^processor/', pathNot: TEST },
      to: { path: '^gateway/', pathNot: ['^gateway/(model|registry|deadLetter|protocols)/', '^gateway/auth/(types|authorize|scope|personal)\\.ts$'] },
    },
    {
      name: 'gateway-to-processor-only-from-composition-root',
      severity: 'error',
      comment:
        'Only the composition root (gateway/app.ts with its types appTypes.ts and routes appRoutes.ts, main.ts, env.ts, metrics/) wires the processor in, and the officers\' pages (web/) read its services as its own API routes do; the rest of the gateway depends on the contracts only.',
      from: {
        path: '^gateway/',
        pathNot: [TEST, '^gateway/(app|appTypes|appRoutes|main|env)\\.ts$', '^gateway/metrics/', '^gateway/web/'],
      },
      to: { path: '^processor/' },
    },
    // Informational: imports between gateway and processor (either way), counted in the report; they
    // do not fail the lint. The goal is a processor that depends on gateway/model and gateway/registry only.
    {
      name: 'info-gateway-to-processor',
      severity: 'info',
      from: { path: '^gateway/', pathNot: TEST },
      to: { path: '^processor/' },
    },
    {
      name: 'info-processor-to-gateway',
      severity: 'info',
      from: { path: '^processor/', pathNot: TEST },
      to: { path: '^gateway/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|node_modules)/|^test/bench/out/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // ESM TypeScript imports name the emitted file ('./reading.js'); dependency-cruiser maps them to the .ts source
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};

module.exports = config;

/** The report of a cruise (its JSON on stdin): violations, gateway <-> processor counts; exit code = errors. */
function report(result) {
  const { summary, modules } = result;
  const out = [];
  const typescript = modules.filter((m) => /\.ts$/.test(m.source)).length;
  if (typescript === 0) {
    const ts = (() => {
      try {
        return require('typescript/package.json').version;
      } catch {
        return 'not installed';
      }
    })();
    out.push(
      `✖ dependency-cruiser read no TypeScript module (${summary.totalCruised} modules cruised; TypeScript ${ts}): ` +
        'this dependency-cruiser does not support the installed TypeScript (`npx depcruise --info`), so it would check nothing. ' +
        'dependency-cruiser 17.4 or later reads TypeScript 6.',
    );
    return { out, exitCode: 1 };
  }
  const failing = summary.violations.filter((v) => v.rule.severity === 'error' || v.rule.severity === 'warn');
  for (const v of failing) {
    const cycle = v.cycle ? ` (cycle: ${[v.from, ...v.cycle.map((c) => c.name ?? c)].join(' → ')})` : '';
    out.push(`${v.rule.severity === 'error' ? '✖' : '!'} ${v.rule.name}: ${v.from} → ${v.to}${cycle}`);
  }
  const between = (rule) => {
    const hits = summary.violations.filter((v) => v.rule.name === rule);
    return `${hits.length} imports from ${new Set(hits.map((v) => v.from)).size} files`;
  };
  out.push(
    `${summary.error ? '✖' : '✔'} dependency rules: ${summary.error} errors, ${summary.warn} warnings ` +
      `(${summary.totalCruised} modules, ${summary.totalDependenciesCruised} dependencies, type imports included)`,
    `  informational: gateway → processor ${between('info-gateway-to-processor')}; processor → gateway ${between('info-processor-to-gateway')}`,
  );
  return { out, exitCode: summary.error };
}

if (require.main === module) {
  let text = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk) => (text += chunk));
  process.stdin.on('end', () => {
    let result;
    try {
      result = JSON.parse(text);
    } catch {
      console.error('✖ no cruise result on stdin (did depcruise fail? run it without "-T json" to see why)');
      process.exit(1);
    }
    const { out, exitCode } = report(result);
    console.log(out.join('\n'));
    process.exitCode = Math.min(exitCode, 1);
  });
}
