// Import rules: arrows point down. `npm run check:imports` runs them in CI; a rule that fails names
// the importing file and the imported one. tools/import-rules/import-rules.test.ts proves each kind
// of rule can fail, on temporary files laid out like the repository.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'packages-know-no-app',
      comment:
        'packages/ are shared by both apps and by tools: a package that imports an app or a tool ' +
        'ties every consumer to that app. Move the code into the app or tool, or pass it in.',
      severity: 'error',
      from: { path: '^packages/' },
      to: { path: '^(apps|tools)/' },
    },
    {
      name: 'lab-platform-not-up',
      comment:
        'platform/ holds cross-cutting mechanisms every module uses; it must not know the modules, ' +
        'the composition root (modules.ts, app.ts) or the app configuration (config.ts). Pass values in.',
      severity: 'error',
      from: { path: '^apps/lab/src/platform/' },
      to: {
        path: '^apps/lab/src/(modules/|modules\\.ts$|app\\.ts$|config\\.ts$)',
      },
    },
    {
      name: 'lab-db-not-up',
      comment:
        'db/ (schema, migrations, client) is the bottom layer: platform/ and modules/ build on it, ' +
        'never the other way round.',
      severity: 'error',
      from: { path: '^apps/lab/src/db/' },
      to: { path: '^apps/lab/src/(platform|modules)/' },
    },
    {
      name: 'lab-module-through-port',
      comment:
        'A lab module reaches a sibling module only through the port the sibling publishes ' +
        '(modules/<name>/port.ts), so its routes and services can change without breaking others. ' +
        'Exempt: test files (they assemble real collaborators) and modules/demo (seed-demo is a loader ' +
        'that deliberately goes through every module service to create realistic, audited data).',
      severity: 'error',
      from: {
        path: '^apps/lab/src/modules/([^/]+)/',
        pathNot: ['\\.test\\.ts$', '^apps/lab/src/modules/demo/'],
      },
      to: {
        path: '^apps/lab/src/modules/',
        pathNot: ['^apps/lab/src/modules/$1/', '/port\\.ts$'],
      },
    },
    {
      name: 'synfinance-nothing-imports-cli',
      comment:
        'cli/ is the outermost layer (argument parsing, files, exit codes). Code under it is reused ' +
        'from below only by moving it down (generator/, fraud/ or a package), never by importing cli/.',
      severity: 'error',
      from: { pathNot: ['^apps/synfinance/src/cli/', '^apps/synfinance/src/cli\\.ts$'] },
      to: { path: '^apps/synfinance/src/cli/' },
    },
    {
      name: 'synfinance-generator-not-fraud',
      comment:
        'The generator makes data; the fraud model consumes it. A generator that imports fraud/ ' +
        'would make the data depend on the model that is evaluated on it.',
      severity: 'error',
      from: { path: '^apps/synfinance/src/generator/' },
      to: { path: '^apps/synfinance/src/fraud/' },
    },
    {
      name: 'synfinance-api-only-from-cli',
      comment:
        'api/ is the HTTP service; only the CLI starts it (cli/serve.ts), and tests and repository ' +
        'tools (tools/: the live check, the OpenAPI writer) build it. Anything else that needs its ' +
        'logic takes it from the layer the API itself uses.',
      severity: 'error',
      from: {
        pathNot: ['^apps/synfinance/src/api/', '^apps/synfinance/src/cli/', '^tools/', '\\.test\\.ts$'],
      },
      to: { path: '^apps/synfinance/src/api/' },
    },
    {
      name: 'apps-independent',
      comment:
        'The lab OS and SynFinance are separate products that deploy separately; what both need ' +
        'belongs in packages/.',
      severity: 'error',
      from: { path: '^apps/(lab|synfinance)/' },
      to: { path: '^apps/(lab|synfinance)/', pathNot: '^apps/$1/' },
    },
    {
      name: 'web-ui-over-http',
      comment:
        'The web UI runs in a browser and reaches the lab only over HTTP, typed by the generated ' +
        'OpenAPI client; only its tests (and their rig in src/testing/) start a lab in-process.',
      severity: 'error',
      from: { path: '^apps/lab-web/', pathNot: '(\\.test\\.ts$|^apps/lab-web/src/testing/)' },
      to: { path: '^(apps/(lab|synfinance)|packages|tools)/' },
    },
    {
      name: 'lab-knows-no-web-ui',
      comment: 'The lab serves the built UI from disk; it never imports the UI sources.',
      severity: 'error',
      from: { path: '^apps/(lab|synfinance)/' },
      to: { path: '^apps/lab-web/' },
    },
    {
      name: 'no-circular',
      comment:
        'A cycle means neither module can be understood, tested or moved without the other; ' +
        'it also makes initialisation order depend on which file is imported first.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|data|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.mjs', '.js', '.cjs', '.json'],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
