// A tiny typed client over the generated `paths`: if the OpenAPI document changes shape in
// a way this code relies on (login body, token response, problem details, paging), `tsc`
// fails. Never executed; type-checked by tests/contract/run.sh.
import type { components, paths } from "./generated/api";

type LoginBody = paths["/api/v1/auth/login"]["post"]["requestBody"]["content"]["application/json"];
type Tokens = paths["/api/v1/auth/login"]["post"]["responses"]["200"]["content"]["application/json"];
type Me = paths["/api/v1/auth/me"]["get"]["responses"]["200"]["content"]["application/json"];
type Problem = components["schemas"]["Problem"];
type AuditPage = paths["/api/v1/audit-log"]["get"]["responses"]["200"]["content"]["application/json"];
type SettingsPatch = components["schemas"]["SettingsPatch"];

export async function login(base: string, body: LoginBody): Promise<Tokens | Problem> {
  const res = await fetch(`${base}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return (await res.json()) as Tokens | Problem;
}

export async function me(base: string, tokens: Tokens): Promise<string[]> {
  const res = await fetch(`${base}/api/v1/auth/me`, {
    headers: { authorization: `${tokens.token_type} ${tokens.access_token}` },
  });
  const body = (await res.json()) as Me;
  return body.permissions;
}

export function auditActions(page: AuditPage): { actions: string[]; next: string | null | undefined } {
  return { actions: page.items.map((e) => e.action), next: page.next_cursor };
}

export function describe(problem: Problem): string {
  const fields = (problem.errors ?? []).map((e) => `${e.field}: ${e.message}`).join("; ");
  return `${problem.status} ${problem.code}: ${problem.detail}${fields ? ` (${fields})` : ""}`;
}

export const patch: SettingsPatch = { timezone: "Asia/Jakarta", drift_mode: "repair" };
export const example: LoginBody = { username: "admin", password: "correct horse battery staple" };
