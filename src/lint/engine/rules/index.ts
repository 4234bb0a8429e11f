// Every detection rule. Ids are stable: users name them in settings and CI configuration.
import { CLOUD_FORMATS } from './cloud';
import { DEVTOOL_FORMATS } from './devtools';
import { META_RULES } from './meta';
import { NAMED_RULES } from './named';
import { PROVIDER_FORMATS } from './providers';
import { SERVICE_FORMATS } from './services';
import type { ProviderRule, RuleMeta } from './types';
import { URL_FORMATS } from './urls';

export type { NamedRule, Pattern, ProviderRule, RuleMeta, RuleSamples, Sample } from './types';
export { META_RULES, NAMED_RULES };

/** Where each rule's explanation lives; the CLI, SARIF and diagnostics link to `#<rule-id>`. */
export const RULES_DOC_URL = 'https://github.com/cloudxlr/cloudxlr-keys/blob/main/docs/rules.md';

export function ruleDocUrl(ruleId: string): string {
  return `${RULES_DOC_URL}#${ruleId}`;
}

/** Rules that recognise a secret from its value alone. */
export const PROVIDER_RULES: ProviderRule[] = [
  ...PROVIDER_FORMATS,
  ...CLOUD_FORMATS,
  ...DEVTOOL_FORMATS,
  ...SERVICE_FORMATS,
  ...URL_FORMATS,
];

/** Every rule, for documentation, SARIF metadata and settings (ids are unique: a test checks). */
export const ALL_RULES: RuleMeta[] = [...PROVIDER_RULES, ...NAMED_RULES, ...META_RULES];
