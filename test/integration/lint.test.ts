// The secret linter in a real editor: what a person sees in the Problems panel, the light bulb
// and the hover, and what the quick fixes do to the file and to the API Keys view. Every key
// here is synthetic (format-valid, made up for these tests).
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { CommandId } from '../../src/constants';
import type { CloudxlrApi } from '../../src/extension';
import { scanText } from '../../src/lint/engine';
import type { MoveResult, ScanSummary } from '../../src/lint/vscode';
import { requestScreenshot } from '../host/hostContract';
import { extensionApi, lintDiagnostics, waitFor, workspaceRoot as root } from './support';

const FIXTURE_STRIPE = 'sk_test_' + '51Qm7RvTc2XwLp9ZbNd4Ks8YhGf3JqWe';
const STRIPE = 'sk_live_' + '51Hx9QvLkZpTtWc3RmYbNd7Ae2Lq';
const STRIPE_2 = 'sk_live_' + '51Zr8PwMnXcVb6TyUi3Oa9Sd1Fq';
const OPENAI = 'sk-proj-' + 'Lm3Qw8Zx5Rt1Yp7Kd2Hs9Vb4Nc6Jf0GaXe2Wq8Ur5Ti1Oy';

/** The extension's API once the linter has started. */
async function api(): Promise<CloudxlrApi> {
  const exports = await extensionApi();
  await exports.linter.ready;
  return exports;
}

/** The fixture file that no test opens before Scan Workspace runs. */
function unopenedFixture(): vscode.Uri {
  return vscode.Uri.file(path.join(root(), 'src/lint/unopened.ts'));
}

function ruleOf(d: vscode.Diagnostic): string {
  return typeof d.code === 'object' && d.code ? String(d.code.value) : String(d.code);
}

async function waitForDiagnostics(uri: vscode.Uri, count: number, timeoutMs = 10_000): Promise<vscode.Diagnostic[]> {
  return waitFor(
    () => `${count} diagnostic(s) on ${path.basename(uri.fsPath)} (have ${lintDiagnostics(uri).length})`,
    () => {
      const ds = lintDiagnostics(uri);
      return ds.length === count ? ds : undefined;
    },
    timeoutMs,
  );
}

const created: string[] = [];

/** Writes a file into the workspace and opens it (not shown). */
async function openTemp(rel: string, text: string): Promise<vscode.TextDocument> {
  const file = path.join(root(), rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  created.push(file);
  return vscode.workspace.openTextDocument(vscode.Uri.file(file));
}

async function codeActionsNow(doc: vscode.TextDocument, range: vscode.Range): Promise<vscode.CodeAction[]> {
  return (
    (await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, range)) ??
    []
  );
}

/**
 * The code actions at a range, once the light bulb offers ours: the editor's markers (which the
 * code action request reads) arrive a moment after getDiagnostics sees a new diagnostic.
 */
async function codeActions(doc: vscode.TextDocument, range: vscode.Range): Promise<vscode.CodeAction[]> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const actions = await codeActionsNow(doc, range);
    if (actions.some((a) => a.title.startsWith('Move to API Keys')) || Date.now() > deadline) return actions;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function keyNames(): Promise<string[]> {
  const { keysView } = await api();
  const names: string[] = [];
  const walk = async (nodes: Awaited<ReturnType<typeof keysView.getChildren>>) => {
    for (const n of nodes) {
      if (n.type === 'project') await walk(await keysView.getChildren(n));
      else names.push(String(keysView.getTreeItem(n).label));
    }
  };
  await walk(await keysView.getChildren());
  return names;
}

async function deleteKey(name: string): Promise<void> {
  if ((await keyNames()).includes(name))
    await vscode.commands.executeCommand(CommandId.deleteKey, { name, confirmed: true });
}

async function lastMessages(n = 3): Promise<string> {
  const { notifier } = await api();
  return notifier.recent
    .slice(-n)
    .map((m) => m.message)
    .join('\n');
}

function sorted0(latencies: number[]): number {
  return [...latencies].sort((a, b) => a - b)[Math.floor(latencies.length / 2)] ?? 400;
}

async function closeAll(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

/**
 * Opens a file in an editor as a person does (not through openTextDocument, whose reference
 * keeps the document open for minutes), waits for its diagnostics, closes the editor, and
 * returns the diagnostics once the document is closed and `after` of them are shown.
 */
async function openAndClose(uri: vscode.Uri, after: number): Promise<vscode.Diagnostic[]> {
  const { linter } = await api();
  await vscode.commands.executeCommand('vscode.open', uri);
  await waitFor(
    `${path.basename(uri.fsPath)} open`,
    () => vscode.window.activeTextEditor?.document.uri.toString() === uri.toString(),
  );
  await waitFor(`diagnostics of the open ${path.basename(uri.fsPath)}`, () => lintDiagnostics(uri).length > 0);
  // The linter settles a closed file's problems (clears them, or reads the file again from disk).
  let settled = false;
  const sub = linter.onDidSettleClosed((u) => {
    if (u.toString() === uri.toString()) settled = true;
  });
  try {
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    await waitFor(`the linter to settle the closed ${path.basename(uri.fsPath)}`, () => settled, 20_000);
  } finally {
    sub.dispose();
  }
  const ds = lintDiagnostics(uri);
  assert.strictEqual(ds.length, after, `diagnostics of the closed ${path.basename(uri.fsPath)}`);
  return ds;
}

describe('Secret linter', function () {
  this.timeout(60_000);

  before(async () => {
    await api();
  });

  afterEach(async () => {
    await vscode.workspace.saveAll(false);
    await closeAll();
    for (const f of created.splice(0)) fs.rmSync(f, { force: true, recursive: true });
  });

  it('flags a Stripe secret key in a frontend file, not a publishable key, a placeholder or an env lookup', async () => {
    const uri = vscode.Uri.file(path.join(root(), 'src/lint/checkout.js'));
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const [d] = await waitForDiagnostics(uri, 1);
    assert.strictEqual(d!.source, 'CloudXLR');
    assert.strictEqual(ruleOf(d!), 'stripe-secret-key');
    const target = (d!.code as { target: vscode.Uri }).target;
    assert.match(target.toString(true), /docs\/rules\.md#stripe-secret-key$/);
    assert.strictEqual(d!.severity, vscode.DiagnosticSeverity.Error);
    assert.strictEqual(doc.getText(d!.range), FIXTURE_STRIPE, 'the range covers exactly the key');
    assert.strictEqual(d!.range.start.line, 7);
    assert.match(d!.message, /sk_test_••••/);
    assert.ok(!d!.message.includes(FIXTURE_STRIPE), 'the message holds the value');
    assert.ok(!d!.message.includes(FIXTURE_STRIPE.slice(8, 20)), 'the message holds part of the value');
    await vscode.commands.executeCommand('workbench.actions.view.problems');
    await requestScreenshot('lint-diagnostics');
  });

  it('gives a Cloud Function a warning that says to use ctx.secrets.get', async () => {
    const uri = vscode.Uri.file(path.join(root(), 'functions/charge.js'));
    await vscode.workspace.openTextDocument(uri);
    const [d] = await waitForDiagnostics(uri, 1);
    assert.strictEqual(ruleOf(d!), 'resend-api-key');
    assert.strictEqual(d!.severity, vscode.DiagnosticSeverity.Warning);
    assert.match(d!.message, /ctx\.secrets\.get\("RESEND_API_KEY"\)/);
  });

  it('finds a stored value wherever it is pasted, whatever its format, and re-lints when keys change', async () => {
    const value = 'q7#Lm2!zP9@wX4$kV8%nT3^b'; // no provider's format: only exact matching finds it
    const doc = await openTemp(
      'src/lint/known.ts',
      `export const greeting = "${value}";\nconst other = \`prefix-${value}-suffix\`;\n`,
    );
    await waitForDiagnostics(doc.uri, 0);
    try {
      await vscode.commands.executeCommand(CommandId.addKey, { name: 'LINT_PASTED_VALUE', value });
      const ds = await waitForDiagnostics(doc.uri, 2);
      for (const d of ds) {
        assert.strictEqual(ruleOf(d), 'known-value');
        assert.strictEqual(doc.getText(d.range), value);
        assert.ok(!d.message.includes(value));
        assert.match(d.message, /your stored API key LINT_PASTED_VALUE/);
      }
    } finally {
      await deleteKey('LINT_PASTED_VALUE');
    }
    await waitForDiagnostics(doc.uri, 0);
  });

  it('Move to API Keys on a value already stored: refers to that key without asking or storing again', async () => {
    const value = 'Zq4!vL9#mT2@xW7$pK5%' + 'nR8^bY3&';
    await vscode.commands.executeCommand(CommandId.addKey, { name: 'LINT_ALREADY_STORED', value });
    try {
      const doc = await openTemp(
        'functions/lint-known.js',
        `export default async (request, ctx) => {\n  const secret = "${value}";\n  return { ok: !!secret };\n};\n`,
      );
      const [d] = await waitForDiagnostics(doc.uri, 1);
      assert.strictEqual(ruleOf(d!), 'known-value');
      assert.match(
        d!.message,
        /^The value of your stored API key LINT_ALREADY_STORED \(/,
        'the diagnostic does not name the key it matched',
      );
      const move = (await codeActions(doc, d!.range)).find((a) => a.isPreferred)!;
      // No name given: the stored key holding this value is used, so no prompt opens.
      const result = await vscode.commands.executeCommand<MoveResult>(
        move.command!.command,
        ...move.command!.arguments!,
      );
      assert.strictEqual(result?.name, 'LINT_ALREADY_STORED');
      assert.strictEqual(result?.alreadyStored, true);
      assert.strictEqual(doc.lineAt(1).text, '  const secret = await ctx.secrets.get("LINT_ALREADY_STORED");');
      assert.strictEqual((await keyNames()).filter((n) => n === 'LINT_ALREADY_STORED').length, 1);
      assert.match(
        await lastMessages(),
        /The value was already stored in API Keys as LINT_ALREADY_STORED; functions\/lint-known\.js now reads it with ctx\.secrets\.get\("LINT_ALREADY_STORED"\)/,
      );
      await waitForDiagnostics(doc.uri, 0);
      await doc.save();
    } finally {
      await deleteKey('LINT_ALREADY_STORED');
    }
  });

  it('Move to API Keys in frontend code: the value leaves the file and appears in the API Keys view', async () => {
    const doc = await openTemp(
      'src/lint/move-front.js',
      `const stripe = Stripe("${STRIPE}");\nexport default stripe;\n`,
    );
    const [d] = await waitForDiagnostics(doc.uri, 1);
    const actions = await codeActions(doc, d!.range);
    const move = actions.find((a) => a.title.startsWith('Move to API Keys'));
    assert.ok(move, `no Move to API Keys among ${actions.map((a) => a.title).join(', ')}`);
    assert.strictEqual(move.isPreferred, true);
    assert.strictEqual(move.kind?.value, vscode.CodeActionKind.QuickFix.value);
    assert.ok(move.command && move.command.command === CommandId.moveToApiKeys);
    assert.ok(
      !JSON.stringify(move.command.arguments).includes(STRIPE.slice(8)),
      'the command arguments carry the value',
    );
    try {
      // A person would type the name in the prompt; `name` skips it.
      // `scaffold: true` creates the Cloud Function the notification offers.
      const args = { ...(move.command.arguments![0] as object), name: 'LINT_STRIPE_KEY', scaffold: true };
      const result = await vscode.commands.executeCommand<MoveResult>(move.command.command, args);
      assert.strictEqual(result?.name, 'LINT_STRIPE_KEY');
      assert.strictEqual(result.functionCreated, 'call-stripe');
      created.push(...(result.functionFiles ?? []));
      const fnFile = ['ts', 'js']
        .map((ext) => path.join(root(), 'functions', `call-stripe.${ext}`))
        .find((f) => fs.existsSync(f));
      assert.ok(fnFile, 'no functions/call-stripe file');
      assert.match(fs.readFileSync(fnFile, 'utf8'), /ctx\.secrets\.get\(['"]LINT_STRIPE_KEY['"]\)/);
      const text = doc.getText();
      assert.ok(!text.includes(STRIPE), 'the value is still in the file');
      assert.match(
        text,
        /Stripe\(undefined \/\* LINT_STRIPE_KEY moved to CloudXLR API Keys: call a Cloud Function that uses ctx\.secrets\.get\("LINT_STRIPE_KEY"\) \*\/\)/,
      );
      assert.ok((await keyNames()).includes('LINT_STRIPE_KEY'), 'the key is not in the API Keys view');
      await vscode.commands.executeCommand(CommandId.copyValue, { name: 'LINT_STRIPE_KEY' });
      assert.strictEqual(await vscode.env.clipboard.readText(), STRIPE, 'the stored value differs');
      await vscode.env.clipboard.writeText('');
      assert.match(await lastMessages(), /LINT_STRIPE_KEY is now in API Keys/);
      await waitForDiagnostics(doc.uri, 0);
      await doc.save();
    } finally {
      await deleteKey('LINT_STRIPE_KEY');
    }
  });

  it('Move to API Keys in a Cloud Function: ctx.secrets.get replaces the literal', async () => {
    const doc = await openTemp(
      'functions/lint-move.js',
      `export default async (request, ctx) => {\n  const key = '${STRIPE_2}';\n  return { ok: !!key };\n};\n`,
    );
    const [d] = await waitForDiagnostics(doc.uri, 1);
    assert.strictEqual(d!.severity, vscode.DiagnosticSeverity.Warning);
    const move = (await codeActions(doc, d!.range)).find((a) => a.isPreferred)!;
    try {
      await vscode.commands.executeCommand(move.command!.command, {
        ...(move.command!.arguments![0] as object),
        name: 'LINT_FN_STRIPE',
      });
      assert.strictEqual(doc.lineAt(1).text, '  const key = await ctx.secrets.get("LINT_FN_STRIPE");');
      assert.ok((await keyNames()).includes('LINT_FN_STRIPE'));
      await waitForDiagnostics(doc.uri, 0);
      await doc.save();
    } finally {
      await deleteKey('LINT_FN_STRIPE');
    }
  });

  it('in .env files: moves a variable out of its public prefix, and Move to API Keys empties the value', async () => {
    const doc = await openTemp(
      '.env.lint-test',
      `# keys\nVITE_STRIPE_KEY=${STRIPE}\nVITE_OPENAI_KEY="${OPENAI}"\nPORT=3000\n`,
    );
    const ds = await waitForDiagnostics(doc.uri, 2);
    for (const d of ds) {
      assert.strictEqual(ruleOf(d), 'public-env-secret');
      assert.strictEqual(d.severity, vscode.DiagnosticSeverity.Error);
      assert.match(d.message, /Vite inlines every VITE_ variable into the browser bundle/);
    }
    const first = ds.find((d) => d.range.start.line === 1)!;
    const unprefix = (await codeActions(doc, first.range)).find((a) =>
      a.title.startsWith('Move out of the public prefix'),
    );
    assert.ok(unprefix?.edit, 'no public-prefix fix');
    assert.ok(await vscode.workspace.applyEdit(unprefix.edit));
    assert.strictEqual(doc.lineAt(1).text, `STRIPE_KEY=${STRIPE}`);
    const [second] = await waitForDiagnostics(doc.uri, 1);
    const move = (await codeActions(doc, second!.range)).find((a) => a.isPreferred)!;
    try {
      await vscode.commands.executeCommand(move.command!.command, {
        ...(move.command!.arguments![0] as object),
        name: 'LINT_ENV_OPENAI',
      });
      assert.strictEqual(doc.lineAt(2).text, 'VITE_OPENAI_KEY=');
      assert.ok(!doc.getText().includes(OPENAI));
      await waitForDiagnostics(doc.uri, 0);
      await doc.save();
    } finally {
      await deleteKey('LINT_ENV_OPENAI');
    }
  });

  it('Ignore this line and Ignore in this file insert comments that silence the findings', async () => {
    const doc = await openTemp('src/lint/ignored.ts', `export const a = "${STRIPE}";\nexport const b = "${OPENAI}";\n`);
    const [da] = await waitForDiagnostics(doc.uri, 2);
    const ignoreLine = (await codeActions(doc, da!.range)).find((a) => a.title.startsWith('Ignore this line'))!;
    assert.ok(await vscode.workspace.applyEdit(ignoreLine.edit!));
    assert.strictEqual(doc.lineAt(0).text, '// cloudxlr-ignore-next-line');
    const [db] = await waitForDiagnostics(doc.uri, 1);
    assert.strictEqual(ruleOf(db!), 'openai-api-key');
    const ignoreFile = (await codeActions(doc, db!.range)).find((a) => a.title.startsWith('Ignore in this file'))!;
    assert.ok(await vscode.workspace.applyEdit(ignoreFile.edit!));
    assert.strictEqual(doc.lineAt(0).text, '// cloudxlr-ignore-file');
    await waitForDiagnostics(doc.uri, 0);

    const html = await openTemp('src/lint/ignored.html', `<div data-key="${STRIPE}"></div>\n`);
    const [dh] = await waitForDiagnostics(html.uri, 1);
    const ignoreHtml = (await codeActions(html, dh!.range)).find((a) => a.title.startsWith('Ignore this line'))!;
    assert.ok(await vscode.workspace.applyEdit(ignoreHtml.edit!));
    assert.strictEqual(html.lineAt(0).text, '<!-- cloudxlr-ignore-next-line -->');
    await waitForDiagnostics(html.uri, 0);
  });

  it('explains a finding on hover, with the rule link and a masked excerpt only', async () => {
    const doc = await openTemp('src/lint/hover.js', `const key = "${STRIPE}";\n`);
    const [d] = await waitForDiagnostics(doc.uri, 1);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider',
      doc.uri,
      d!.range.start.translate(0, 3),
    );
    const text = hovers
      .flatMap((h) => h.contents)
      .map((c) => (c instanceof vscode.MarkdownString ? c.value : typeof c === 'string' ? c : c.value))
      .join('\n');
    assert.match(text, /CloudXLR: Stripe secret key/);
    assert.match(text, /Move to API Keys/);
    assert.match(text, /\[Why it matters and how to fix it\]/);
    assert.match(text, /docs\/rules\.md#stripe-secret-key/);
    assert.ok(!text.includes(STRIPE.slice(8)), 'the hover shows the value');
  });

  it('says when the secret is already committed to git: the key must be rotated', async function () {
    try {
      execFileSync('git', ['--version']);
    } catch {
      this.skip();
    }
    const repo = path.join(root(), 'src/lint/committed');
    fs.mkdirSync(repo, { recursive: true });
    created.push(repo);
    const file = path.join(repo, 'app.js');
    fs.writeFileSync(file, `export const key = "${STRIPE}";\n`);
    const git = async (...args: string[]) => {
      // VS Code's own git extension refreshes the new repository's index meanwhile; a commit that
      // meets its index.lock is tried again, as a person would.
      for (let attempt = 1; ; attempt++) {
        try {
          return execFileSync(
            'git',
            ['-c', 'user.name=Test', '-c', 'user.email=test@example.invalid', '-c', 'commit.gpgsign=false', ...args],
            { cwd: repo, stdio: 'pipe' },
          );
        } catch (e) {
          if (attempt >= 20 || !/index\.lock/.test(String((e as { stderr?: Buffer }).stderr ?? ''))) throw e;
          await new Promise((r) => setTimeout(r, 250));
        }
      }
    };
    await git('init', '-q');
    await git('add', 'app.js');
    await git('commit', '-q', '-m', 'app');
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    const d = await waitFor('the committed note', () =>
      lintDiagnostics(doc.uri).find((x) => /already committed to git/.test(x.message)),
    );
    assert.match(d.message, /rotate the key at the provider/);
    assert.ok(!d.message.includes(STRIPE));
    // A new, uncommitted key on another line is not said to be committed.
    const edit = new vscode.WorkspaceEdit();
    edit.insert(doc.uri, new vscode.Position(1, 0), `export const other = "${STRIPE_2}";\n`);
    assert.ok(await vscode.workspace.applyEdit(edit));
    const ds = await waitFor('two diagnostics', () => {
      const all = lintDiagnostics(doc.uri);
      return all.length === 2 && all.some((x) => /already committed/.test(x.message)) ? all : undefined;
    });
    assert.ok(!/already committed/.test(ds.find((x) => x.range.start.line === 1)!.message));
    // Committed while the file is open: a lint once git's last answer is no longer fresh (a few
    // seconds) says so. Each edit is linted (an event), until one is.
    await doc.save();
    await git('commit', '-q', '-a', '-m', 'other');
    const { linter } = await api();
    const bothCommitted = () =>
      lintDiagnostics(doc.uri).filter((x) => /already committed/.test(x.message)).length === 2;
    const deadline = Date.now() + 15_000;
    while (!bothCommitted()) {
      assert.ok(Date.now() < deadline, 'the second finding was never marked as committed');
      const linted = new Promise<void>((resolve) => {
        const sub = linter.onDidLint((e) => {
          if (e.uri.toString() === doc.uri.toString()) {
            sub.dispose();
            resolve();
          }
        });
      });
      const touch = new vscode.WorkspaceEdit();
      touch.insert(doc.uri, new vscode.Position(2, 0), '\n');
      assert.ok(await vscode.workspace.applyEdit(touch));
      await linted;
    }
    await doc.save();
  });

  it('follows the settings without a reload: severity, ignore globs, enabled', async () => {
    const doc = await openTemp('src/lint/settings.js', `const key = "${STRIPE}";\n`);
    await waitForDiagnostics(doc.uri, 1);
    const config = vscode.workspace.getConfiguration('cloudxlr.lint');
    try {
      await config.update('severity', 'information', vscode.ConfigurationTarget.Global);
      await waitFor(
        'information severity',
        () => lintDiagnostics(doc.uri)[0]?.severity === vscode.DiagnosticSeverity.Information,
      );
      await config.update('ignore', ['src/lint/settings.js'], vscode.ConfigurationTarget.Global);
      await waitForDiagnostics(doc.uri, 0);
      await config.update('ignore', undefined, vscode.ConfigurationTarget.Global);
      await waitForDiagnostics(doc.uri, 1);
      await config.update('enabled', false, vscode.ConfigurationTarget.Global);
      await waitForDiagnostics(doc.uri, 0);
      await config.update('enabled', undefined, vscode.ConfigurationTarget.Global);
      const [d] = await waitForDiagnostics(doc.uri, 1);
      await config.update('severity', undefined, vscode.ConfigurationTarget.Global);
      await waitFor('error severity', () => lintDiagnostics(doc.uri)[0]?.severity === vscode.DiagnosticSeverity.Error);
      assert.ok(d);
    } finally {
      for (const k of ['severity', 'ignore', 'enabled'])
        await config.update(k, undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('Scan Workspace reports every file in the Problems panel and sums up', async () => {
    // A binary file and one over the size limit are skipped, whatever they hold.
    const binary = path.join(root(), 'src/lint/image.js');
    fs.writeFileSync(
      binary,
      Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d]), Buffer.from(`"${STRIPE}"`)]),
    );
    const huge = path.join(root(), 'src/lint/huge.js');
    fs.writeFileSync(huge, `const k = "${STRIPE}";\n` + '// filler\n'.repeat(900_000));
    created.push(binary, huge);
    const summary = await vscode.commands.executeCommand<ScanSummary>(CommandId.scanWorkspace);
    assert.strictEqual(summary.skipped.binary, 1);
    assert.strictEqual(summary.skipped.tooLarge, 1);
    assert.strictEqual(lintDiagnostics(vscode.Uri.file(binary)).length, 0);
    assert.strictEqual(lintDiagnostics(vscode.Uri.file(huge)).length, 0);
    assert.ok(summary, 'no summary');
    assert.strictEqual(summary.cancelled, false);
    assert.ok(summary.files >= 3, `scanned ${summary.files} files`);
    assert.ok(summary.findings >= 3, `found ${summary.findings}`);
    const unopened = unopenedFixture();
    const [d, ...more] = lintDiagnostics(unopened);
    assert.strictEqual(more.length, 0);
    assert.strictEqual(ruleOf(d!), 'openai-api-key');
    assert.strictEqual(d!.range.start.line, 2);
    for (const rel of ['src/lint/checkout.js', 'functions/charge.js']) {
      assert.strictEqual(lintDiagnostics(vscode.Uri.file(path.join(root(), rel))).length, 1, rel);
    }
    assert.match(
      await lastMessages(1),
      new RegExp(
        `^Scanned ${summary.files} files: ${summary.findings} possible secrets in \\d+ files: see the Problems panel\\. Skipped 2 \\(1 binary, 1 over 8 MB\\)\\.$`,
      ),
    );
    // Files outside the frontend globs are not scanned.
    assert.strictEqual(lintDiagnostics(vscode.Uri.file(path.join(root(), 'cloudxlr.json'))).length, 0);
  });

  it('a file Scan Workspace reported keeps its problem after its editor is closed', async () => {
    const summary = await vscode.commands.executeCommand<ScanSummary>(CommandId.scanWorkspace);
    assert.ok(summary.findings >= 1, `found ${summary.findings}`);
    const uri = unopenedFixture();
    assert.strictEqual(lintDiagnostics(uri).length, 1);
    const [d] = await openAndClose(uri, 1);
    // The secret is still in the file: the problem stays, read from disk again.
    assert.strictEqual(ruleOf(d!), 'openai-api-key');
    assert.strictEqual(d!.range.start.line, 2);
  });

  it('clears the problems of a file no scan reported once its editor is closed', async () => {
    const file = path.join(root(), 'src/lint/scratch.js');
    fs.writeFileSync(file, `const key = "${STRIPE_2}";\n`);
    created.push(file);
    await openAndClose(vscode.Uri.file(file), 0);
  });

  it('the problems Scan Workspace left on files that are not open follow the settings', async () => {
    await vscode.commands.executeCommand<ScanSummary>(CommandId.scanWorkspace);
    const uri = unopenedFixture();
    assert.strictEqual(lintDiagnostics(uri)[0]?.severity, vscode.DiagnosticSeverity.Error);
    const config = vscode.workspace.getConfiguration('cloudxlr.lint');
    try {
      await config.update('severity', 'warning', vscode.ConfigurationTarget.Global);
      await waitFor(
        'warning severity on the closed file',
        () => lintDiagnostics(uri)[0]?.severity === vscode.DiagnosticSeverity.Warning,
      );
      await config.update('ignore', ['src/lint/unopened.ts'], vscode.ConfigurationTarget.Global);
      await waitForDiagnostics(uri, 0);
    } finally {
      for (const k of ['severity', 'ignore']) await config.update(k, undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('a key stored after Scan Workspace is found in a file the scan had found clean, without opening it', async () => {
    const value = 'Wv3!kQ8#rN5@' + 'tZ1$hJ6%mB4^'; // no provider's format: only exact matching finds it
    const file = path.join(root(), 'src/lint/closed-config.js');
    fs.writeFileSync(file, `export const banner = { text: "${value}" };\n`);
    created.push(file);
    const uri = vscode.Uri.file(file);
    await vscode.commands.executeCommand<ScanSummary>(CommandId.scanWorkspace);
    assert.strictEqual(lintDiagnostics(uri).length, 0);
    try {
      await vscode.commands.executeCommand(CommandId.addKey, { name: 'LINT_CLOSED_VALUE', value });
      const [d] = await waitForDiagnostics(uri, 1);
      assert.strictEqual(ruleOf(d!), 'known-value');
      assert.ok(!d!.message.includes(value));
      assert.ok(
        !vscode.workspace.textDocuments.some((t) => t.uri.toString() === uri.toString()),
        'the file was opened',
      );
    } finally {
      await deleteKey('LINT_CLOSED_VALUE');
    }
    // The key is gone: so is the problem.
    await waitForDiagnostics(uri, 0);
  });

  it('keeps a 5 MB minified file responsive: an edit gets diagnostics quickly and the host never stalls', async () => {
    const { linter } = await api();
    const chunk =
      'function a(b,c){return b.map(function(d){return d*c+"x"})};var token=f(1),apiKey=g(2),o={k:"v",n:1};';
    let body = '';
    while (body.length < 5 * 1024 * 1024) body += chunk;
    const mid = Math.floor(body.length / 2 / chunk.length) * chunk.length;
    const text = `${body.slice(0, 1000)}var s1="${STRIPE}";${body.slice(1000)}`;
    // Event-loop lag in the extension host (shared with VS Code's built-in extensions), sampled every 5 ms.
    let maxLag = 0;
    let last = Date.now();
    const probe = setInterval(() => {
      const now = Date.now();
      maxLag = Math.max(maxLag, now - last - 5);
      last = now;
    }, 5);
    const openStarted = Date.now();
    const doc = await openTemp('src/lint/bundle.min.js', text);
    await waitForDiagnostics(doc.uri, 1, 30_000).catch((e) => {
      clearInterval(probe);
      throw e;
    });
    const openMs = Date.now() - openStarted;
    const openLag = maxLag;
    maxLag = 0;

    const runs: { blockedMs: number; cpuMs: number; incremental: boolean; phases: Record<string, number> }[] = [];
    const listener = linter.onDidLint((e) => {
      if (e.uri.toString() === doc.uri.toString())
        runs.push({ blockedMs: e.blockedMs, cpuMs: e.cpuMs, incremental: e.incremental, phases: e.phases });
    });
    const latencies: number[] = [];
    const insert = async (offset: number, t: string) => {
      const edit = new vscode.WorkspaceEdit();
      edit.insert(doc.uri, doc.positionAt(offset), t);
      assert.ok(await vscode.workspace.applyEdit(edit));
    };
    try {
      for (let i = 0; i < 5; i++) {
        const started = Date.now();
        await insert(mid + i * chunk.length * 3, `var s${i + 2}="${i % 2 ? STRIPE_2 : OPENAI}";`);
        await waitForDiagnostics(doc.uri, i + 2, 10_000);
        latencies.push(Date.now() - started);
      }
      // Typing: ten quick edits, each superseding the run of the one before.
      const typedStarted = Date.now();
      for (let i = 0; i < 10; i++) {
        await insert(2000 + i, 'x');
        await new Promise((r) => setTimeout(r, 20));
      }
      await insert(3000, `var last="${STRIPE_2}";`);
      await waitForDiagnostics(doc.uri, 7, 10_000);
      const typed = Date.now() - typedStarted;
      // What the incremental runs publish is what a full scan of the text finds.
      const full = scanText(doc.getText()).map((f) => `${f.ruleId}@${f.line}:${f.column}-${f.endLine}:${f.endColumn}`);
      const shown = lintDiagnostics(doc.uri).map(
        (d) =>
          `${ruleOf(d)}@${d.range.start.line + 1}:${d.range.start.character + 1}-${d.range.end.line + 1}:${d.range.end.character + 1}`,
      );
      assert.deepStrictEqual(shown, full);
      const lintLag = maxLag;

      // The same edits with the linter off: the host's own cost of a 5 MB document, for comparison.
      const config = vscode.workspace.getConfiguration('cloudxlr.lint');
      await config.update('enabled', false, vscode.ConfigurationTarget.Global);
      await waitForDiagnostics(doc.uri, 0);
      await new Promise((r) => setTimeout(r, 300));
      maxLag = 0;
      last = Date.now();
      for (let i = 0; i < 5; i++) {
        await insert(mid + i * chunk.length * 5, `var b${i}="${OPENAI}";`);
        await new Promise((r) => setTimeout(r, sorted0(latencies)));
      }
      for (let i = 0; i < 10; i++) {
        await insert(2000 + i, 'y');
        await new Promise((r) => setTimeout(r, 20));
      }
      await new Promise((r) => setTimeout(r, 500));
      const baselineLag = maxLag;
      await config.update('enabled', undefined, vscode.ConfigurationTarget.Global);

      const sorted = [...latencies].sort((a, b) => a - b);
      const blocked = Math.max(...runs.map((r) => r.blockedMs));
      const cpu = Math.max(...runs.map((r) => r.cpuMs));
      console.log(
        `      5 MB file: opened with diagnostics in ${openMs} ms (max event-loop lag ${openLag} ms); edit-to-diagnostics ${latencies.join(', ')} ms (median ${sorted[2]} ms, 250 ms debounce included); ` +
          `11 typed edits settled in ${typed} ms; ${runs.length} runs, ${runs.filter((r) => r.incremental).length} incremental, ` +
          `longest block by the linter ${blocked.toFixed(1)} ms wall, ${cpu.toFixed(1)} ms CPU; host event-loop lag ${lintLag} ms (linter off: ${baselineLag} ms)`,
      );
      console.log(
        `      runs [wall, cpu, text, scan, findings, publish] ms: ${JSON.stringify(runs.map((r) => [r.blockedMs, r.cpuMs, ...Object.values(r.phases)].map((v) => Math.round(v))))}`,
      );
      assert.ok(openMs < 10_000, `the first diagnostics of the 5 MB file took ${openMs} ms`);
      assert.ok(openLag < 1000, `opening the 5 MB file stalled the extension host for ${openLag} ms`);
      assert.ok(
        runs.every((r) => r.incremental),
        'an edit made the linter rescan the whole file',
      );
      // CPU time, not wall time: on a loaded machine the wall time of the same work varies tenfold.
      // It is the whole host process's CPU during the run (VS Code's own extensions included):
      // 20–31 ms measured on VS Code 1.100 and 1.139 on an idle machine.
      const cpuMedian = [...runs.map((r) => r.cpuMs)].sort((a, b) => a - b)[Math.floor(runs.length / 2)]!;
      assert.ok(cpuMedian < 40, `a typical run held the extension host for ${cpuMedian.toFixed(1)} ms of CPU`);
      assert.ok(cpu < 150, `the linter held the extension host for ${cpu.toFixed(1)} ms of CPU`);
      assert.ok(sorted[2]! < 1000, `median edit-to-diagnostics latency ${sorted[2]} ms`);
      assert.ok(Math.max(...latencies) < 2500, `worst edit-to-diagnostics latency ${Math.max(...latencies)} ms`);
      assert.ok(lintLag < 1000, `the extension host stalled for ${lintLag} ms (${baselineLag} ms with the linter off)`);
      // Turned on again, the whole file is scanned anew: the same findings as a full scan of the text.
      const expected = scanText(doc.getText()).length;
      assert.ok(expected >= 7, `a full scan finds ${expected}`);
      await waitForDiagnostics(doc.uri, expected, 30_000);
      // The diagnostics match the text: every range holds a key.
      for (const d of lintDiagnostics(doc.uri)) assert.match(doc.getText(d.range), /^(?:sk_live_|sk-proj-)/);
    } finally {
      clearInterval(probe);
      listener.dispose();
    }
  });
});
