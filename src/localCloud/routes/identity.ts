// Who a token stands for (`/me`, any identity of the project), the project's members and its
// CI service tokens (owners). A token is answered once, when it is made; lists carry none.
import { apiPath, Route, type MeResponse, type MemberListResponse, type ServiceTokenListResponse } from '../../api';
import { invalidRequest } from '../errors';
import { ANY_IDENTITY, type Router } from '../router';

export function registerIdentityRoutes(router: Router): void {
  router.project('GET', Route.me, ANY_IDENTITY, (ctx) => {
    const { project, ...identity } = ctx.principal;
    const body: MeResponse = { project, identity };
    ctx.json(200, body);
  });

  router.project('GET', Route.members, 'members.manage', async (ctx) => {
    const body: MemberListResponse = { members: await ctx.identities.members(ctx.project) };
    ctx.json(200, body);
  });

  router.project('POST', Route.members, 'members.manage', async (ctx) => {
    const body = await ctx.readJson();
    onlyFields(body, ['name', 'role']);
    const answer = await ctx.identities.setMember(ctx.project, body.name, body.role, ctx.actor);
    const headers = { Location: apiPath.member(ctx.project, answer.member.id), 'Cache-Control': 'no-store' };
    ctx.json(answer.token ? 201 : 200, answer, headers);
  });

  router.project('DELETE', Route.member, 'members.manage', async (ctx) => {
    await ctx.identities.removeMember(ctx.project, ctx.params.id, ctx.actor);
    ctx.empty(204);
  });

  router.project('GET', Route.serviceTokens, 'tokens.manage', async (ctx) => {
    const body: ServiceTokenListResponse = { tokens: await ctx.identities.serviceTokens(ctx.project) };
    ctx.json(200, body);
  });

  router.project('POST', Route.serviceTokens, 'tokens.manage', async (ctx) => {
    const body = await ctx.readJson();
    onlyFields(body, ['name', 'permissions', 'expiresInDays']);
    const answer = await ctx.identities.createServiceToken(
      ctx.project,
      { name: body.name, permissions: body.permissions, expiresInDays: body.expiresInDays },
      ctx.actor,
    );
    ctx.json(201, answer, {
      Location: apiPath.serviceToken(ctx.project, answer.info.id),
      'Cache-Control': 'no-store',
    });
  });

  router.project('DELETE', Route.serviceToken, 'tokens.manage', async (ctx) => {
    await ctx.identities.revokeServiceToken(ctx.project, ctx.params.id, ctx.actor);
    ctx.empty(204);
  });
}

function onlyFields(body: Record<string, unknown>, fields: string[]): void {
  for (const field of Object.keys(body))
    if (!fields.includes(field))
      throw invalidRequest(
        `The field "${field.slice(0, 40)}" is not part of the request; send only ${fields.map((f) => `"${f}"`).join(', ')}.`,
      );
}
