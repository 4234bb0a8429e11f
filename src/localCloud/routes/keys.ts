// The vault's key routes. Every answer carries names, versions and digests, never a value.
import { apiPath, Route, type KeyListResponse, type Problem } from '../../api';
import { keyNameProblem, keyValueProblem } from '../../shared/names';
import { invalidRequest, notFound, validationError } from '../errors';
import type { ProjectRouteContext, Router } from '../router';

/** A JSON string can carry "\ud800", which is not text and has no UTF-8 form: refused, never stored altered. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function registerKeyRoutes(router: Router): void {
  router.project('GET', Route.keys, 'keys.describe', async (ctx) => {
    const body: KeyListResponse = { keys: await ctx.vault.listKeys(ctx.project) };
    ctx.json(200, body);
  });

  router.project('GET', Route.key, 'keys.describe', async (ctx) => {
    const name = validName(ctx);
    const key = await ctx.vault.getKey(ctx.project, name);
    if (!key) throw notFound(`There is no key ${name} in this project.`);
    ctx.json(200, key);
  });

  router.project('PUT', Route.key, 'keys.write', async (ctx) => {
    const problems: Problem[] = [];
    const name = ctx.params.name;
    const nameProblem = keyNameProblem(name);
    if (nameProblem) problems.push({ field: 'name', code: 'invalid_name', message: nameProblem });
    const body = await ctx.readJson();
    const { value, ifVersion } = body;
    for (const field of Object.keys(body)) {
      if (field !== 'value' && field !== 'ifVersion') {
        problems.push({
          field,
          code: 'invalid_request',
          message: `The field "${field.slice(0, 40)}" is not part of the request; send only "value" and "ifVersion".`,
        });
      }
    }
    if (typeof value !== 'string') {
      problems.push({
        field: 'value',
        code: 'invalid_request',
        message:
          value === undefined
            ? 'The field "value" is missing.'
            : `The field "value" must be a string, not ${kind(value)}.`,
      });
    } else {
      const valueProblem =
        keyValueProblem(value) ??
        (LONE_SURROGATE.test(value)
          ? 'A key value must be valid Unicode text; this one contains a broken character (a lone UTF-16 surrogate).'
          : undefined);
      if (valueProblem) problems.push({ field: 'value', code: 'invalid_value', message: valueProblem });
    }
    if (
      ifVersion !== undefined &&
      ifVersion !== null &&
      !(Number.isSafeInteger(ifVersion) && (ifVersion as number) >= 0)
    ) {
      problems.push({
        field: 'ifVersion',
        code: 'invalid_request',
        message: `The field "ifVersion" must be a whole number from 0 up, not ${kind(ifVersion)}.`,
      });
    }
    if (problems.length > 0) throw validationError(problems);
    const outcome = await ctx.vault.putKey(
      ctx.project,
      name,
      value as string,
      ifVersion === undefined || ifVersion === null ? undefined : (ifVersion as number),
      ctx.actor,
    );
    const headers: Record<string, string> = outcome.created ? { Location: apiPath.key(ctx.project, name) } : {};
    ctx.json(outcome.created ? 201 : 200, outcome.result, headers);
  });

  router.project('DELETE', Route.key, 'keys.write', async (ctx) => {
    const name = validName(ctx);
    const force = ctx.query.get('force');
    if (force !== null && force !== 'true' && force !== 'false') {
      throw invalidRequest('The parameter "force" must be true or false.');
    }
    await ctx.vault.deleteKey(ctx.project, name, force === 'true', ctx.actor);
    ctx.empty(204);
  });
}

function validName(ctx: ProjectRouteContext): string {
  const name = ctx.params.name;
  const problem = keyNameProblem(name);
  if (problem) throw validationError([{ field: 'name', code: 'invalid_name', message: problem }]);
  return name;
}

/** Describes a JSON value's type without quoting it (it may be a value). */
function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'a negative or too large number' : 'a fraction';
  if (typeof v === 'string') return 'a string';
  return `${typeof v === 'object' ? 'an' : 'a'} ${typeof v}`;
}
