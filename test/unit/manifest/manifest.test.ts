// package.json and src/constants.ts name the same commands, views and settings, and the
// manifest follows the conventions users expect.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { COMMAND_PERMISSION } from '../../../src/cloud/roles';
import { CATEGORY, CommandId, ContextKey, SettingId, ViewId } from '../../../src/constants';

interface Command {
  command: string;
  title: string;
  category?: string;
  icon?: string;
}
const root = path.resolve(__dirname, '../../../..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  engines: Record<string, string>;
  activationEvents: string[];
  devDependencies: Record<string, string>;
  contributes: {
    commands: Command[];
    views: Record<string, { id: string }[]>;
    viewsContainers: { activitybar: { id: string }[] };
    configuration: { properties: Record<string, { markdownDescription?: string; order?: number }> };
    menus: Record<string, { command: string; when?: string }[]>;
    keybindings: { command: string; key: string; when?: string }[];
    jsonValidation: { fileMatch: string; url: string }[];
  };
};

describe('manifest', () => {
  const declared = pkg.contributes.commands.map((c) => c.command);

  it('declares exactly the commands of constants.ts, each once', () => {
    assert.deepStrictEqual([...declared].sort(), [...Object.values(CommandId)].sort());
    assert.strictEqual(new Set(declared).size, declared.length, 'a command is declared twice');
  });

  it('gives every command the CloudXLR category', () => {
    assert.deepStrictEqual(
      pkg.contributes.commands.filter((c) => c.category !== CATEGORY).map((c) => c.command),
      [],
    );
  });

  it('declares exactly the views and the view container of constants.ts', () => {
    const { container, ...views } = ViewId;
    assert.deepStrictEqual(Object.keys(pkg.contributes.views), [container]);
    assert.deepStrictEqual(
      pkg.contributes.viewsContainers.activitybar.map((c) => c.id),
      [container],
    );
    assert.deepStrictEqual(
      Object.values(pkg.contributes.views)
        .flat()
        .map((v) => v.id)
        .sort(),
      Object.values(views).sort(),
    );
  });

  it('declares exactly the settings of constants.ts, each described and ordered', () => {
    assert.deepStrictEqual(
      Object.keys(pkg.contributes.configuration.properties).sort(),
      [...Object.values(SettingId)].sort(),
    );
    for (const [id, s] of Object.entries(pkg.contributes.configuration.properties)) {
      assert.ok(s.markdownDescription, `${id} has no markdownDescription`);
      assert.strictEqual(typeof s.order, 'number', `${id} has no order`);
    }
  });

  it('hides every cloud action in every menu while no signed-in role may run it', () => {
    for (const [command, permission] of Object.entries(COMMAND_PERMISSION)) {
      const entries = Object.entries(pkg.contributes.menus).flatMap(([menu, items]) =>
        items.filter((i) => i.command === command).map((i) => ({ menu, when: i.when ?? '' })),
      );
      assert.ok(
        entries.some((e) => e.menu === 'commandPalette'),
        `${command} has no commandPalette entry that hides it`,
      );
      for (const e of entries)
        assert.ok(
          e.when.includes(`!${ContextKey.deniedPrefix}${permission}`),
          `${e.menu}: ${command} is shown to a role without ${permission} (when: ${e.when})`,
        );
    }
  });

  it('only references declared commands in menus', () => {
    for (const [menu, items] of Object.entries(pkg.contributes.menus)) {
      for (const item of items) assert.ok(declared.includes(item.command), `${menu} names undeclared ${item.command}`);
    }
  });

  it('binds keys only to declared commands, and only while the API Keys view has focus', () => {
    for (const k of pkg.contributes.keybindings) {
      assert.ok(declared.includes(k.command), `${k.key} runs undeclared ${k.command}`);
      assert.match(
        k.when ?? '',
        new RegExp(`focusedView == ${ViewId.keys.replace('.', '\\.')} && listFocus && !inputFocus`),
      );
    }
  });

  it('ships the JSON schema of cloudxlr.json that it declares', () => {
    for (const v of pkg.contributes.jsonValidation) {
      const schema = JSON.parse(fs.readFileSync(path.join(root, v.url), 'utf8')) as {
        properties: Record<string, unknown>;
      };
      assert.deepStrictEqual(Object.keys(schema.properties).sort(), ['frontend', 'functionsDir', 'project']);
    }
  });

  it('activates lazily and targets a VS Code that the test host runs', () => {
    assert.ok(!pkg.activationEvents.includes('*'));
    assert.strictEqual(pkg.engines.vscode, '^1.100.0');
    assert.strictEqual(pkg.devDependencies['@types/vscode'], '1.100.0');
  });
});
