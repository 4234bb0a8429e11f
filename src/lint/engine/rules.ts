// The provider rules: published formats of secrets, as data. Each pattern has a literal
// anchor that a single prefilter pass finds cheaply; its regular expression then runs once,
// sticky, at that spot. Every quantifier is bounded and no quantified group can match the
// same text two ways, so no input makes a rule backtrack badly (test/unit/lint/redos.test.ts).

import { jwtPayload } from './context';

/** Where each rule's explanation lives; the CLI, SARIF and diagnostics link to `#<rule-id>`. */
export const RULES_DOC_URL = 'https://github.com/cloudxlr/cloudxlr-keys/blob/main/docs/rules.md';

export function ruleDocUrl(ruleId: string): string {
  return `${RULES_DOC_URL}#${ruleId}`;
}

export interface Pattern {
  /** Case-sensitive literal that every match contains; the prefilter looks for it. */
  anchor: string;
  /** Regular expression source, run sticky at the match start. */
  source: string;
  /**
   * Where the match starts relative to the anchor: a fixed number of characters before it,
   * or a function of the text and the anchor's offset. Defaults to the anchor itself.
   */
  back?: number | ((text: string, hit: number) => number);
  /** Capture group holding the secret (default: the whole match). */
  group?: number;
  /** Require a non-token character before the match (default true). */
  boundary?: boolean;
}

export interface RuleMeta {
  id: string;
  provider: string;
  /** Short name of what is found, e.g. "Stripe secret key". */
  title: string;
  /** The name suggested when the value moves to API Keys. */
  keyName: string;
  /** One paragraph for docs/rules.md and SARIF. */
  description: string;
}

export interface ProviderRule extends RuleMeta {
  patterns: Pattern[];
  /** Characters of a match that may be shown (a format prefix such as "sk_live_"). */
  keepPrefix?: number;
  /** Extra check on the value, e.g. a JWT's role. */
  validate?: (value: string) => boolean;
}

/** A rule for formats without a prefix: recognised by the name they are assigned to. */
export interface NamedRule extends RuleMeta {
  /** Tested on the variable, property or header name. */
  name: RegExp;
  /** Tested on the whole value. */
  value: RegExp;
  /** A word that must appear in the name or within 400 characters (lower case). */
  near?: string;
}

const ALNUM = 'A-Za-z0-9';
const B64URL = 'A-Za-z0-9_\\-';
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

function lookBackFor(prefix: string, max: number) {
  return (text: string, hit: number): number => {
    const from = Math.max(0, hit - max);
    const i = text.slice(from, hit).lastIndexOf(prefix); // bounded: never reads more than `max` back
    return i >= 0 ? from + i : hit;
  };
}

function isServiceRoleJwt(value: string): boolean {
  const payload = jwtPayload(value);
  return payload !== undefined && payload.role === 'service_role';
}

export const PROVIDER_RULES: ProviderRule[] = [
  {
    id: 'stripe-secret-key', provider: 'Stripe', title: 'Stripe secret key', keyName: 'STRIPE_SECRET_KEY', keepPrefix: 8,
    description: 'A Stripe secret key (`sk_live_…` or `sk_test_…`) can create charges, refunds and payouts on the account. Test keys reach test data only but are still private to the account.',
    patterns: [{ anchor: 'sk_live_', source: `sk_live_[${ALNUM}]{24,247}` }, { anchor: 'sk_test_', source: `sk_test_[${ALNUM}]{24,247}` }],
  },
  {
    id: 'stripe-restricted-key', provider: 'Stripe', title: 'Stripe restricted key', keyName: 'STRIPE_RESTRICTED_KEY', keepPrefix: 8,
    description: 'A Stripe restricted key (`rk_live_…`, `rk_test_…`) carries the permissions chosen when it was created, often write access to charges or customers.',
    patterns: [{ anchor: 'rk_live_', source: `rk_live_[${ALNUM}]{24,247}` }, { anchor: 'rk_test_', source: `rk_test_[${ALNUM}]{24,247}` }],
  },
  {
    id: 'stripe-webhook-secret', provider: 'Stripe', title: 'Stripe webhook signing secret', keyName: 'STRIPE_WEBHOOK_SECRET', keepPrefix: 6,
    description: 'A webhook signing secret (`whsec_…`) lets whoever holds it forge Stripe events that your endpoint will trust.',
    patterns: [{ anchor: 'whsec_', source: `whsec_[${ALNUM}+/=]{32,128}` }],
  },
  {
    id: 'openai-api-key', provider: 'OpenAI', title: 'OpenAI API key', keyName: 'OPENAI_API_KEY', keepPrefix: 3,
    description: 'An OpenAI key: project (`sk-proj-`), service account (`sk-svcacct-`), admin (`sk-admin-`) or legacy user key (`sk-…T3BlbkFJ…`). Whoever holds it spends your quota.',
    patterns: [
      { anchor: 'sk-proj-', source: `sk-proj-[${B64URL}]{40,250}` },
      { anchor: 'sk-svcacct-', source: `sk-svcacct-[${B64URL}]{40,250}` },
      { anchor: 'sk-admin-', source: `sk-admin-[${B64URL}]{40,250}` },
      { anchor: 'sk-None-', source: `sk-None-[${B64URL}]{40,250}` },
      { anchor: 'T3BlbkFJ', back: 23, source: `sk-[${ALNUM}]{20}T3BlbkFJ[${ALNUM}]{20}` },
    ],
  },
  {
    id: 'anthropic-api-key', provider: 'Anthropic', title: 'Anthropic API key', keyName: 'ANTHROPIC_API_KEY', keepPrefix: 7,
    description: 'An Anthropic API or admin key (`sk-ant-api03-…`, `sk-ant-admin01-…`); it bills requests to your organisation.',
    patterns: [{ anchor: 'sk-ant-', source: `sk-ant-(?:api|admin)[0-9]{2}-[${B64URL}]{80,120}` }],
  },
  {
    id: 'resend-api-key', provider: 'Resend', title: 'Resend API key', keyName: 'RESEND_API_KEY', keepPrefix: 3,
    description: 'A Resend API key (`re_…`) sends email from your verified domains.',
    patterns: [{ anchor: 're_', source: `re_[${ALNUM}]{8,10}_[${ALNUM}]{20,32}` }],
  },
  {
    id: 'google-api-key', provider: 'Google', title: 'Google API key', keyName: 'GOOGLE_API_KEY', keepPrefix: 4,
    description: 'A Google API key (`AIza…`), e.g. for Gemini / Google AI Studio, billed to your project. Firebase web config keys and Google Maps JavaScript API keys have the same shape and are meant for browsers, so an `AIza…` key inside a Firebase config (next to `authDomain`, `messagingSenderId`, …) or loading Maps (`maps.googleapis.com/maps/api/js`, `@googlemaps/js-api-loader`, `useJsApiLoader`, …) is not reported, unless the code around it calls Gemini.',
    patterns: [{ anchor: 'AIza', source: `AIza[${B64URL}]{35}` }],
  },
  {
    id: 'google-oauth-client-secret', provider: 'Google', title: 'Google OAuth client secret', keyName: 'GOOGLE_CLIENT_SECRET', keepPrefix: 7,
    description: 'A Google OAuth client secret (`GOCSPX-…`) lets an app impersonate your OAuth client.',
    patterns: [{ anchor: 'GOCSPX-', source: `GOCSPX-[${B64URL}]{28}` }],
  },
  {
    id: 'google-oauth-token', provider: 'Google', title: 'Google OAuth access token', keyName: 'GOOGLE_ACCESS_TOKEN', keepPrefix: 5,
    description: 'A Google OAuth access token (`ya29.…`) acts as the user or service account it was issued to until it expires.',
    patterns: [{ anchor: 'ya29.', source: `ya29\\.[${B64URL}]{50,2000}` }],
  },
  {
    id: 'gcp-service-account', provider: 'Google Cloud / Firebase', title: 'Google Cloud / Firebase service account', keyName: 'FIREBASE_SERVICE_ACCOUNT',
    description: 'A service account key file (`"type": "service_account"` with `private_key_id` and `private_key`), as downloaded for the Firebase Admin SDK. It has admin rights on the project; the private key block is reported too.',
    patterns: [{ anchor: 'private_key_id', boundary: false, source: `private_key_id["']?[ \\t]{0,4}:[ \\t]{0,4}["']([0-9a-f]{40})["']`, group: 1 }],
  },
  {
    id: 'aws-access-key-id', provider: 'AWS', title: 'AWS access key ID', keyName: 'AWS_ACCESS_KEY_ID', keepPrefix: 4,
    description: 'An AWS access key ID (`AKIA…`, `ASIA…`). It is half of a credential pair; its secret access key is usually nearby.',
    patterns: ['AKIA', 'ASIA', 'ABIA', 'ACCA'].map((a) => ({ anchor: a, source: `${a}[A-Z2-7]{16}` })),
  },
  {
    id: 'github-token', provider: 'GitHub', title: 'GitHub token', keyName: 'GITHUB_TOKEN', keepPrefix: 4,
    description: 'A GitHub personal access, OAuth, app user, app installation or refresh token (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`).',
    patterns: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'].map((a) => ({ anchor: a, source: `${a}[${ALNUM}]{36,251}` })),
  },
  {
    id: 'github-fine-grained-pat', provider: 'GitHub', title: 'GitHub fine-grained personal access token', keyName: 'GITHUB_TOKEN', keepPrefix: 11,
    description: 'A fine-grained GitHub personal access token (`github_pat_…`).',
    patterns: [{ anchor: 'github_pat_', source: `github_pat_[${ALNUM}]{22}_[${ALNUM}]{59}` }],
  },
  {
    id: 'gitlab-token', provider: 'GitLab', title: 'GitLab token', keyName: 'GITLAB_TOKEN', keepPrefix: 5,
    description: 'A GitLab personal, deploy, runner or pipeline trigger token (`glpat-`, `gldt-`, `glrt-`, `glptt-`).',
    patterns: [
      { anchor: 'glpat-', source: `glpat-[${B64URL}.]{20,80}` },
      { anchor: 'gldt-', source: `gldt-[${B64URL}]{20,80}` },
      { anchor: 'glrt-', source: `glrt-[${B64URL}.]{20,80}` },
      { anchor: 'glptt-', source: 'glptt-[0-9a-f]{40}' },
    ],
  },
  {
    id: 'slack-token', provider: 'Slack', title: 'Slack token', keyName: 'SLACK_BOT_TOKEN', keepPrefix: 5,
    description: 'A Slack bot, user or workspace token (`xoxb-`, `xoxp-`, `xoxa-`, `xoxe-`, `xoxr-`, `xoxs-`); it reads and posts messages as your app or user.',
    patterns: ['xoxb-', 'xoxp-', 'xoxa-', 'xoxe-', 'xoxr-', 'xoxs-'].map((a) => ({ anchor: a, source: `${a}[0-9]{8,14}-[${ALNUM}-]{20,200}` })),
  },
  {
    id: 'slack-app-token', provider: 'Slack', title: 'Slack app-level token', keyName: 'SLACK_APP_TOKEN', keepPrefix: 5,
    description: 'A Slack app-level token (`xapp-…`), used for Socket Mode connections.',
    patterns: [{ anchor: 'xapp-', source: 'xapp-[0-9]-[A-Z0-9]{9,12}-[0-9]{10,13}-[a-f0-9]{64}' }],
  },
  {
    id: 'slack-webhook', provider: 'Slack', title: 'Slack incoming webhook URL', keyName: 'SLACK_WEBHOOK_URL', keepPrefix: 0,
    description: 'A Slack incoming webhook URL: anyone holding it can post into the channel.',
    patterns: [{ anchor: 'hooks.slack.com/services/', boundary: false, back: lookBackFor('https://', 8), source: '(?:https://)?hooks\\.slack\\.com/services/T[A-Z0-9]{8,12}/B[A-Z0-9]{8,12}/[A-Za-z0-9]{24}' }],
  },
  {
    id: 'sendgrid-api-key', provider: 'SendGrid', title: 'SendGrid API key', keyName: 'SENDGRID_API_KEY', keepPrefix: 3,
    description: 'A SendGrid API key (`SG.…`) sends email as your account.',
    patterns: [{ anchor: 'SG.', source: `SG\\.[${B64URL}]{22}\\.[${B64URL}]{43}` }],
  },
  {
    id: 'mailgun-api-key', provider: 'Mailgun', title: 'Mailgun API key', keyName: 'MAILGUN_API_KEY', keepPrefix: 4,
    description: 'A Mailgun private API key (`key-…`).',
    patterns: [{ anchor: 'key-', source: 'key-[0-9a-f]{32}' }],
  },
  {
    id: 'postmark-server-token', provider: 'Postmark', title: 'Postmark server token', keyName: 'POSTMARK_SERVER_TOKEN',
    description: 'A Postmark server API token (a UUID) passed to `new postmark.ServerClient(…)` or assigned to a Postmark-named variable; it sends email through your server.',
    patterns: [{ anchor: 'ServerClient(', boundary: false, source: `ServerClient\\([ \\t]{0,4}["'\`](${UUID})["'\`]`, group: 1 }],
  },
  {
    id: 'twilio-api-key', provider: 'Twilio', title: 'Twilio API key', keyName: 'TWILIO_API_KEY', keepPrefix: 2,
    description: 'A Twilio API key SID (`SK` + 32 hex digits), the name half of a Twilio API key pair.',
    // Anchored on three characters (the prefilter reads character pairs at even offsets).
    patterns: [...'0123456789abcdefABCDEF'].map((h) => ({ anchor: `SK${h}`, source: 'SK[0-9a-fA-F]{32}' })),
  },
  {
    id: 'huggingface-token', provider: 'Hugging Face', title: 'Hugging Face access token', keyName: 'HF_TOKEN', keepPrefix: 3,
    description: 'A Hugging Face user or organisation access token (`hf_…`, `api_org_…`).',
    patterns: [{ anchor: 'hf_', source: 'hf_[A-Za-z]{34}' }, { anchor: 'api_org_', source: 'api_org_[A-Za-z]{34}' }],
  },
  {
    id: 'groq-api-key', provider: 'Groq', title: 'Groq API key', keyName: 'GROQ_API_KEY', keepPrefix: 4,
    description: 'A Groq API key (`gsk_…`).',
    patterns: [{ anchor: 'gsk_', source: `gsk_[${ALNUM}]{52}` }],
  },
  {
    id: 'replicate-api-token', provider: 'Replicate', title: 'Replicate API token', keyName: 'REPLICATE_API_TOKEN', keepPrefix: 3,
    description: 'A Replicate API token (`r8_…`).',
    patterns: [{ anchor: 'r8_', source: `r8_[${ALNUM}]{37}` }],
  },
  {
    id: 'supabase-service-role-key', provider: 'Supabase', title: 'Supabase service-role key', keyName: 'SUPABASE_SERVICE_ROLE_KEY',
    description: 'A Supabase JWT whose payload has `"role": "service_role"`: it bypasses row-level security. The anon key (`"role": "anon"`) is public by design and is not reported.',
    patterns: [{ anchor: 'eyJ', source: `eyJ[${B64URL}]{10,2000}\\.eyJ[${B64URL}]{10,4000}\\.[${B64URL}]{10,1000}` }],
    validate: isServiceRoleJwt,
  },
  {
    id: 'supabase-secret-key', provider: 'Supabase', title: 'Supabase secret API key', keyName: 'SUPABASE_SECRET_KEY', keepPrefix: 10,
    description: 'A Supabase secret API key (`sb_secret_…`), the successor of the service-role JWT. `sb_publishable_…` keys are public and not reported.',
    patterns: [{ anchor: 'sb_secret_', source: `sb_secret_[${B64URL}]{20,80}` }],
  },
  {
    id: 'shopify-access-token', provider: 'Shopify', title: 'Shopify access token', keyName: 'SHOPIFY_ACCESS_TOKEN', keepPrefix: 6,
    description: 'A Shopify Admin API, custom app or partner access token (`shpat_`, `shpca_`, `shppa_`).',
    patterns: ['shpat_', 'shpca_', 'shppa_'].map((a) => ({ anchor: a, source: `${a}[a-fA-F0-9]{32}` })),
  },
  {
    id: 'shopify-shared-secret', provider: 'Shopify', title: 'Shopify shared secret', keyName: 'SHOPIFY_API_SECRET', keepPrefix: 6,
    description: 'A Shopify app shared secret (`shpss_…`), used to sign and verify requests.',
    patterns: [{ anchor: 'shpss_', source: 'shpss_[a-fA-F0-9]{32}' }],
  },
  {
    id: 'npm-token', provider: 'npm', title: 'npm access token', keyName: 'NPM_TOKEN', keepPrefix: 4,
    description: 'An npm access token (`npm_…`) can publish packages as you.',
    patterns: [{ anchor: 'npm_', source: `npm_[${ALNUM}]{36}` }],
  },
  {
    id: 'pypi-token', provider: 'PyPI', title: 'PyPI upload token', keyName: 'PYPI_TOKEN', keepPrefix: 5,
    description: 'A PyPI API token (`pypi-AgEIcHlwaS5vcmc…`) can upload releases.',
    patterns: [{ anchor: 'pypi-AgEIcHlwaS5vcmc', source: `pypi-AgEIcHlwaS5vcmc[${B64URL}]{50,300}` }],
  },
  {
    id: 'square-access-token', provider: 'Square', title: 'Square access token', keyName: 'SQUARE_ACCESS_TOKEN', keepPrefix: 4,
    description: 'A Square access token (`EAAA…` or legacy `sq0atp-…`).',
    patterns: [{ anchor: 'sq0atp-', source: `sq0atp-[${B64URL}]{22}` }, { anchor: 'EAAA', source: `EAAA[${B64URL}]{60}` }],
  },
  {
    id: 'square-oauth-secret', provider: 'Square', title: 'Square OAuth application secret', keyName: 'SQUARE_APPLICATION_SECRET', keepPrefix: 7,
    description: 'A Square OAuth application secret (`sq0csp-…`).',
    patterns: [{ anchor: 'sq0csp-', source: `sq0csp-[${B64URL}]{43}` }],
  },
  {
    id: 'braintree-access-token', provider: 'PayPal / Braintree', title: 'PayPal Braintree access token', keyName: 'BRAINTREE_ACCESS_TOKEN', keepPrefix: 13,
    description: 'A PayPal Braintree access token (`access_token$production$…` or `$sandbox$`).',
    patterns: [{ anchor: 'access_token$', source: 'access_token\\$(?:production|sandbox)\\$[0-9a-z]{16}\\$[0-9a-f]{32}' }],
  },
  {
    id: 'plaid-access-token', provider: 'Plaid', title: 'Plaid access token', keyName: 'PLAID_ACCESS_TOKEN', keepPrefix: 7,
    description: 'A Plaid access token (`access-production-…`, `access-development-…`, `access-sandbox-…`) reads an end user\'s bank data.',
    patterns: ['sandbox', 'development', 'production'].map((env) => ({ anchor: `access-${env}-`, source: `access-${env}-${UUID}` })),
  },
  {
    id: 'mapbox-secret-token', provider: 'Mapbox', title: 'Mapbox secret access token', keyName: 'MAPBOX_SECRET_TOKEN', keepPrefix: 3,
    description: 'A Mapbox secret token (`sk.eyJ…`). Public tokens (`pk.eyJ…`) are meant for browsers and are not reported.',
    patterns: [{ anchor: 'sk.eyJ', source: `sk\\.eyJ[${B64URL}]{20,1000}\\.[${B64URL}]{20,200}` }],
  },
  {
    id: 'sentry-auth-token', provider: 'Sentry', title: 'Sentry auth token', keyName: 'SENTRY_AUTH_TOKEN', keepPrefix: 7,
    description: 'A Sentry organisation or user auth token (`sntrys_…`, `sntryu_…`), used to upload source maps and manage projects. DSNs are public and not reported.',
    patterns: [{ anchor: 'sntrys_eyJ', source: `sntrys_eyJ[${B64URL}+/=]{60,1200}` }, { anchor: 'sntryu_', source: 'sntryu_[0-9a-f]{64}' }],
  },
  {
    id: 'discord-webhook', provider: 'Discord', title: 'Discord webhook URL', keyName: 'DISCORD_WEBHOOK_URL',
    description: 'A Discord webhook URL: anyone holding it can post into the channel.',
    patterns: [{ anchor: '/api/webhooks/', boundary: false, back: lookBackFor('https://', 40), source: `(?:https://(?:ptb\\.|canary\\.)?discord(?:app)?\\.com)?/api/webhooks/[0-9]{17,20}/[${B64URL}]{60,80}` }],
  },
  {
    id: 'telegram-bot-token', provider: 'Telegram', title: 'Telegram bot token', keyName: 'TELEGRAM_BOT_TOKEN',
    description: 'A Telegram bot token (`<bot id>:AA…`) controls the bot.',
    patterns: [{
      anchor: ':AA', source: `[0-9]{8,10}:AA[${B64URL}]{33}`,
      back: (text, hit) => { let i = hit; while (i > 0 && hit - i < 10 && text.charCodeAt(i - 1) >= 48 && text.charCodeAt(i - 1) <= 57) i--; return i; },
    }],
  },
  {
    id: 'private-key', provider: 'Private key', title: 'Private key block', keyName: 'PRIVATE_KEY', keepPrefix: 0,
    description: 'A PEM or OpenSSH private key block (`-----BEGIN … PRIVATE KEY-----`). Public keys and certificates are not reported.',
    patterns: [{
      anchor: '-----BEGIN', boundary: false,
      source: '-----BEGIN[ A-Z0-9]{0,30}PRIVATE KEY(?: BLOCK)?-----[^-]{1,12000}-----END[ A-Z0-9]{0,30}PRIVATE KEY(?: BLOCK)?-----',
    }],
    validate: (value) => /[A-Za-z0-9+/]{40}/.test(value),
  },
  {
    id: 'connection-string-password', provider: 'Database', title: 'Connection string with a password', keyName: 'DATABASE_URL', keepPrefix: 0,
    description: 'A database or broker URL with a password in it (`postgres://user:password@host/db`, MySQL, MongoDB, Redis, AMQP, SQL Server).',
    patterns: ['postgres://', 'postgresql://', 'mysql://', 'mariadb://', 'mongodb://', 'mongodb+srv://', 'redis://', 'rediss://', 'amqp://', 'amqps://', 'mssql://', 'sqlserver://'].map((a) => ({
      anchor: a,
      source: `${a.replace(/[+.]/g, '\\$&')}[^:/\\s"'\`@<>{}$]{1,128}:[^@/\\s"'\`<>{}$]{1,256}@[^\\s"'\`/<>{}]{1,256}[^\\s"'\`<>]{0,512}`,
    })),
    validate: (value) => {
      const m = /^[a-z+]+:\/\/[^:]*:([^@]*)@/.exec(value);
      return m !== null && !/^(?:password|pass|passwd|pwd|secret|changeme|xxx+|\*+|•+|your[-_]?password|\[password\]|example)$/i.test(decodeSafe(m[1] ?? ''));
    },
  },
  {
    id: 'digitalocean-token', provider: 'DigitalOcean', title: 'DigitalOcean token', keyName: 'DIGITALOCEAN_TOKEN', keepPrefix: 7,
    description: 'A DigitalOcean personal access, OAuth or refresh token (`dop_v1_`, `doo_v1_`, `dor_v1_`).',
    patterns: ['dop_v1_', 'doo_v1_', 'dor_v1_'].map((a) => ({ anchor: a, source: `${a}[a-f0-9]{64}` })),
  },
  {
    id: 'linear-api-key', provider: 'Linear', title: 'Linear API key', keyName: 'LINEAR_API_KEY', keepPrefix: 8,
    description: 'A Linear personal API key (`lin_api_…`).',
    patterns: [{ anchor: 'lin_api_', source: `lin_api_[${ALNUM}]{40}` }],
  },
  {
    id: 'notion-token', provider: 'Notion', title: 'Notion integration token', keyName: 'NOTION_TOKEN', keepPrefix: 4,
    description: 'A Notion integration token (`ntn_…` or legacy `secret_…`).',
    patterns: [{ anchor: 'ntn_', source: `ntn_[0-9]{11}[${ALNUM}]{35}` }, { anchor: 'secret_', source: `secret_[${ALNUM}]{43}` }],
  },
  {
    id: 'airtable-pat', provider: 'Airtable', title: 'Airtable personal access token', keyName: 'AIRTABLE_TOKEN', keepPrefix: 3,
    description: 'An Airtable personal access token (`pat….…`).',
    patterns: [{ anchor: 'pat', source: `pat[${ALNUM}]{14}\\.[a-f0-9]{64}` }],
  },
  {
    id: 'databricks-token', provider: 'Databricks', title: 'Databricks access token', keyName: 'DATABRICKS_TOKEN', keepPrefix: 4,
    description: 'A Databricks personal access token (`dapi…`).',
    patterns: [{ anchor: 'dapi', source: 'dapi[a-f0-9]{32}(?:-[0-9])?' }],
  },
  {
    id: 'doppler-token', provider: 'Doppler', title: 'Doppler token', keyName: 'DOPPLER_TOKEN', keepPrefix: 6,
    description: 'A Doppler personal, service, CLI or service-account token (`dp.pt.`, `dp.st.`, `dp.ct.`, `dp.sa.`).',
    patterns: ['pt', 'st', 'ct', 'sa'].map((k) => ({ anchor: `dp.${k}.`, source: `dp\\.${k}\\.[${ALNUM}]{40,44}` })),
  },
  {
    id: 'pulumi-token', provider: 'Pulumi', title: 'Pulumi access token', keyName: 'PULUMI_ACCESS_TOKEN', keepPrefix: 4,
    description: 'A Pulumi access token (`pul-…`).',
    patterns: [{ anchor: 'pul-', source: 'pul-[a-f0-9]{40}' }],
  },
  {
    id: 'postman-api-key', provider: 'Postman', title: 'Postman API key', keyName: 'POSTMAN_API_KEY', keepPrefix: 5,
    description: 'A Postman API key (`PMAK-…`).',
    patterns: [{ anchor: 'PMAK-', source: 'PMAK-[a-f0-9]{24}-[a-f0-9]{34}' }],
  },
  {
    id: 'dynatrace-token', provider: 'Dynatrace', title: 'Dynatrace API token', keyName: 'DYNATRACE_API_TOKEN', keepPrefix: 7,
    description: 'A Dynatrace API token (`dt0c01.…`).',
    patterns: [{ anchor: 'dt0c01.', source: 'dt0c01\\.[A-Z0-9]{24}\\.[A-Z0-9]{64}' }],
  },
  {
    id: 'shippo-token', provider: 'Shippo', title: 'Shippo API token', keyName: 'SHIPPO_API_TOKEN', keepPrefix: 12,
    description: 'A Shippo live or test API token (`shippo_live_…`, `shippo_test_…`).',
    patterns: ['shippo_live_', 'shippo_test_'].map((a) => ({ anchor: a, source: `${a}[a-f0-9]{40}` })),
  },
  {
    id: 'flutterwave-secret-key', provider: 'Flutterwave', title: 'Flutterwave secret key', keyName: 'FLUTTERWAVE_SECRET_KEY', keepPrefix: 7,
    description: 'A Flutterwave secret key (`FLWSECK-…-X`, `FLWSECK_TEST-…-X`).',
    patterns: [{ anchor: 'FLWSECK', source: 'FLWSECK(?:_TEST)?-[a-h0-9]{32}-X' }],
  },
  {
    id: 'easypost-api-key', provider: 'EasyPost', title: 'EasyPost API key', keyName: 'EASYPOST_API_KEY', keepPrefix: 4,
    description: 'An EasyPost production or test API key (`EZAK…`, `EZTK…`).',
    patterns: ['EZAK', 'EZTK'].map((a) => ({ anchor: a, source: `${a}[${ALNUM}]{54}` })),
  },
  {
    id: 'newrelic-api-key', provider: 'New Relic', title: 'New Relic user API key', keyName: 'NEW_RELIC_API_KEY', keepPrefix: 5,
    description: 'A New Relic user API key (`NRAK-…`).',
    patterns: [{ anchor: 'NRAK-', source: 'NRAK-[A-Z0-9]{27}' }],
  },
  {
    id: 'grafana-token', provider: 'Grafana', title: 'Grafana token', keyName: 'GRAFANA_TOKEN', keepPrefix: 4,
    description: 'A Grafana Cloud access policy token (`glc_…`) or service account token (`glsa_…`).',
    patterns: [{ anchor: 'glc_', source: `glc_[${ALNUM}+/]{32,400}={0,2}` }, { anchor: 'glsa_', source: `glsa_[${ALNUM}]{32}_[A-Fa-f0-9]{8}` }],
  },
  {
    id: 'vault-token', provider: 'HashiCorp Vault', title: 'HashiCorp Vault token', keyName: 'VAULT_TOKEN', keepPrefix: 4,
    description: 'A HashiCorp Vault service or batch token (`hvs.…`, `hvb.…`).',
    patterns: [{ anchor: 'hvs.', source: `hvs\\.[${B64URL}]{90,200}` }, { anchor: 'hvb.', source: `hvb\\.[${B64URL}]{90,250}` }],
  },
  {
    id: 'terraform-cloud-token', provider: 'HashiCorp Terraform', title: 'Terraform Cloud API token', keyName: 'TF_API_TOKEN', keepPrefix: 0,
    description: 'A Terraform Cloud / Enterprise API token (`….atlasv1.…`).',
    patterns: [{ anchor: '.atlasv1.', back: 14, source: `[${ALNUM}]{14}\\.atlasv1\\.[${B64URL}=]{60,70}` }],
  },
  {
    id: 'age-secret-key', provider: 'age', title: 'age secret key', keyName: 'AGE_SECRET_KEY', keepPrefix: 15,
    description: 'An age encryption secret key (`AGE-SECRET-KEY-1…`).',
    patterns: [{ anchor: 'AGE-SECRET-KEY-1', source: 'AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}' }],
  },
  {
    id: 'onepassword-service-token', provider: '1Password', title: '1Password service account token', keyName: 'OP_SERVICE_ACCOUNT_TOKEN', keepPrefix: 4,
    description: 'A 1Password service account token (`ops_eyJ…`) reads the vaults it was granted.',
    patterns: [{ anchor: 'ops_eyJ', source: `ops_eyJ[${ALNUM}+/]{250,2000}={0,3}` }],
  },
  {
    id: 'atlassian-api-token', provider: 'Atlassian', title: 'Atlassian API token', keyName: 'ATLASSIAN_API_TOKEN', keepPrefix: 6,
    description: 'An Atlassian (Jira, Confluence) API token (`ATATT3…`).',
    patterns: [{ anchor: 'ATATT3', source: `ATATT3[${B64URL}=]{186}` }],
  },
  {
    id: 'contentful-pat', provider: 'Contentful', title: 'Contentful management token', keyName: 'CONTENTFUL_MANAGEMENT_TOKEN', keepPrefix: 6,
    description: 'A Contentful personal access (management) token (`CFPAT-…`), which can change content. Delivery API tokens are read-only and not reported.',
    patterns: [{ anchor: 'CFPAT-', source: `CFPAT-[${B64URL}]{43}` }],
  },
  {
    id: 'mailchimp-api-key', provider: 'Mailchimp', title: 'Mailchimp API key', keyName: 'MAILCHIMP_API_KEY', keepPrefix: 0,
    description: 'A Mailchimp Marketing API key (32 hex digits then `-us<n>`).',
    patterns: [{ anchor: '-us', back: 32, source: '[0-9a-f]{32}-us[0-9]{1,2}' }],
  },
  {
    id: 'openrouter-api-key', provider: 'OpenRouter', title: 'OpenRouter API key', keyName: 'OPENROUTER_API_KEY', keepPrefix: 9,
    description: 'An OpenRouter API key (`sk-or-v1-…`).',
    patterns: [{ anchor: 'sk-or-v1-', source: 'sk-or-v1-[a-f0-9]{64}' }],
  },
  {
    id: 'perplexity-api-key', provider: 'Perplexity', title: 'Perplexity API key', keyName: 'PERPLEXITY_API_KEY', keepPrefix: 5,
    description: 'A Perplexity API key (`pplx-…`).',
    patterns: [{ anchor: 'pplx-', source: `pplx-[${ALNUM}]{48}` }],
  },
  {
    id: 'xai-api-key', provider: 'xAI', title: 'xAI API key', keyName: 'XAI_API_KEY', keepPrefix: 4,
    description: 'An xAI (Grok) API key (`xai-…`).',
    patterns: [{ anchor: 'xai-', source: `xai-[${ALNUM}]{80}` }],
  },
  {
    id: 'elevenlabs-api-key', provider: 'ElevenLabs', title: 'ElevenLabs API key', keyName: 'ELEVENLABS_API_KEY', keepPrefix: 3,
    description: 'An ElevenLabs API key (`sk_` + 48 hex digits).',
    patterns: [{ anchor: 'sk_', source: 'sk_[a-f0-9]{48}' }],
  },
  {
    id: 'langsmith-api-key', provider: 'LangSmith', title: 'LangSmith API key', keyName: 'LANGSMITH_API_KEY', keepPrefix: 8,
    description: 'A LangSmith personal or service key (`lsv2_pt_…`, `lsv2_sk_…`).',
    patterns: ['lsv2_pt_', 'lsv2_sk_'].map((a) => ({ anchor: a, source: `${a}[a-f0-9]{32}_[a-f0-9]{10}` })),
  },
  {
    id: 'pinecone-api-key', provider: 'Pinecone', title: 'Pinecone API key', keyName: 'PINECONE_API_KEY', keepPrefix: 5,
    description: 'A Pinecone API key (`pcsk_…`).',
    patterns: [{ anchor: 'pcsk_', source: `pcsk_[${ALNUM}]{5,6}_[${ALNUM}]{60,70}` }],
  },
  {
    id: 'brevo-api-key', provider: 'Brevo', title: 'Brevo (Sendinblue) API key', keyName: 'BREVO_API_KEY', keepPrefix: 8,
    description: 'A Brevo (formerly Sendinblue) API key (`xkeysib-…`).',
    patterns: [{ anchor: 'xkeysib-', source: `xkeysib-[a-f0-9]{64}-[${ALNUM}]{16}` }],
  },
  {
    id: 'mailersend-api-key', provider: 'MailerSend', title: 'MailerSend API token', keyName: 'MAILERSEND_API_KEY', keepPrefix: 5,
    description: 'A MailerSend API token (`mlsn.…`).',
    patterns: [{ anchor: 'mlsn.', source: 'mlsn\\.[a-f0-9]{64}' }],
  },
  {
    id: 'azure-storage-key', provider: 'Azure', title: 'Azure Storage account key', keyName: 'AZURE_STORAGE_KEY', keepPrefix: 0,
    description: 'An Azure Storage account key in a connection string (`AccountKey=…==`); it grants full access to the account.',
    patterns: [{ anchor: 'AccountKey=', boundary: false, source: 'AccountKey=([A-Za-z0-9+/]{86}==)', group: 1 }],
  },
  {
    id: 'fly-token', provider: 'Fly.io', title: 'Fly.io token', keyName: 'FLY_API_TOKEN', keepPrefix: 4,
    description: 'A Fly.io access token (`fo1_…`).',
    patterns: [{ anchor: 'fo1_', source: `fo1_[${B64URL}]{43}` }],
  },
];

export const NAMED_RULES: NamedRule[] = [
  {
    id: 'aws-secret-access-key', provider: 'AWS', title: 'AWS secret access key', keyName: 'AWS_SECRET_ACCESS_KEY',
    description: 'The secret half of an AWS access key pair (40 characters of base64), assigned to a name such as `AWS_SECRET_ACCESS_KEY` or `secretAccessKey`.',
    name: /secret_?access_?key|aws.{0,16}secret/i, value: /^[A-Za-z0-9/+]{40}$/,
  },
  {
    id: 'twilio-auth-token', provider: 'Twilio', title: 'Twilio auth token', keyName: 'TWILIO_AUTH_TOKEN',
    description: 'A Twilio auth token (32 hex digits) assigned to a Twilio-named variable; it controls the whole account.',
    name: /auth_?token|secret|token/i, value: /^[0-9a-f]{32}$/, near: 'twilio',
  },
  {
    id: 'postmark-server-token', provider: 'Postmark', title: 'Postmark server token', keyName: 'POSTMARK_SERVER_TOKEN',
    description: 'A Postmark server token (a UUID) assigned to a token-named variable or header (`X-Postmark-Server-Token`) in code that mentions Postmark.',
    name: /token|key|secret/i, near: 'postmark', value: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
  },
  {
    id: 'mistral-api-key', provider: 'Mistral', title: 'Mistral API key', keyName: 'MISTRAL_API_KEY',
    description: 'A Mistral AI API key (32 letters and digits, no prefix) assigned to a key- or token-named variable in code that mentions Mistral.',
    name: /key|token|secret/i, value: /^[A-Za-z0-9]{32}$/, near: 'mistral',
  },
  {
    id: 'cohere-api-key', provider: 'Cohere', title: 'Cohere API key', keyName: 'COHERE_API_KEY',
    description: 'A Cohere API key (40 letters and digits, no prefix) assigned to a key- or token-named variable in code that mentions Cohere.',
    name: /key|token|secret/i, value: /^[A-Za-z0-9]{40}$/, near: 'cohere',
  },
  {
    id: 'plaid-secret', provider: 'Plaid', title: 'Plaid secret', keyName: 'PLAID_SECRET',
    description: 'A Plaid API secret (30 hex digits) assigned to a Plaid-named variable.',
    name: /secret/i, value: /^[0-9a-f]{30}$/, near: 'plaid',
  },
  {
    id: 'algolia-admin-key', provider: 'Algolia', title: 'Algolia admin API key', keyName: 'ALGOLIA_ADMIN_KEY',
    description: 'An Algolia admin (or write) API key: 32 hex digits assigned to an admin- or write-named variable near Algolia code. Search-only keys are meant for browsers and are not reported.',
    name: /admin|write/i, value: /^[0-9a-f]{32}$/, near: 'algolia',
  },
  {
    id: 'discord-bot-token', provider: 'Discord', title: 'Discord bot token', keyName: 'DISCORD_BOT_TOKEN',
    description: 'A Discord bot token (three dot-separated base64 parts) assigned to a token-named variable in code that mentions Discord.',
    name: /token/i, near: 'discord', value: /^[MNO][A-Za-z0-9_-]{23,27}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,40}$/,
  },
];

/** Rules that are not provider formats. */
export const META_RULES: RuleMeta[] = [
  {
    id: 'known-value', provider: 'Your API Keys', title: 'Value of one of your stored API keys', keyName: 'API_KEY',
    description: 'The exact value of a key stored in the API Keys view appears in the file, whatever its format. Values shorter than 12 characters are not matched. Public-by-design values (Stripe `pk_`, Mapbox `pk.`, Supabase anon keys) are not reported.',
  },
  {
    id: 'generic-secret', provider: 'unknown', title: 'High-entropy secret', keyName: 'API_KEY',
    description: 'A random-looking string (16+ characters, letters and digits, Shannon entropy above the measured threshold) assigned to a secret-sounding name such as `apiKey`, `SECRET`, `authToken`, `password` or `Authorization`: in an assignment, an object property, a JSON key, an HTML or JSX attribute, a TypeScript-annotated declaration, a fallback after `process.env.X ||`, or a URL query (`?api_key=…`). Identifiers made of words, placeholders, references and public-by-design keys are not reported.',
  },
  {
    id: 'public-env-secret', provider: 'Environment', title: 'Secret in a public environment variable', keyName: 'API_KEY',
    description: 'In a `.env*` file, a secret is held by a variable that the build inlines into the browser bundle because of its prefix (`VITE_`, `NEXT_PUBLIC_`, `REACT_APP_`, `PUBLIC_`, `EXPO_PUBLIC_`, `NUXT_PUBLIC_`, `GATSBY_`, `VUE_APP_`). Anyone who loads the site can read it.',
  },
];

/** Every rule, for documentation, SARIF metadata and settings. */
export const ALL_RULES: RuleMeta[] = [...PROVIDER_RULES, ...NAMED_RULES, ...META_RULES].filter(
  (r, i, all) => all.findIndex((o) => o.id === r.id) === i,
);

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
