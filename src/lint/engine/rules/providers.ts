// Provider formats recognised from the value alone: payments, AI, cloud, code hosting,
// messaging and the other formats with a distinctive prefix. Each pattern has a literal anchor
// that a single prefilter pass finds cheaply; its regular expression then runs once, sticky, at
// that spot. Every quantifier is bounded and no quantified group can match the same text two
// ways, so no input makes a rule backtrack badly (test/unit/lint/redos.test.ts).

import { jwtPayload } from '../context';
import {
  validBase62Checksum,
  validBech32,
  validGitLabRoutable,
  validGrafanaChecksum,
  validPypiMacaroon,
} from '../checksums';
import {
  ALNUM,
  B64URL,
  UUID,
  backOverDigits,
  call,
  decodeSafe,
  joined,
  lookBackFor,
  mixedAlnum,
  type ProviderRule,
} from './types';

function isServiceRoleJwt(value: string): boolean {
  const payload = jwtPayload(value);
  return payload !== undefined && payload.role === 'service_role';
}

export const PROVIDER_FORMATS: ProviderRule[] = [
  {
    id: 'stripe-secret-key',
    provider: 'Stripe',
    title: 'Stripe secret key',
    keyName: 'STRIPE_SECRET_KEY',
    keepPrefix: 8,
    description:
      'A Stripe secret key (`sk_live_…` or `sk_test_…`) can create charges, refunds and payouts on the account. Test keys reach test data only but are still private to the account.',
    samples: {
      positive: [call('sk_live_{{alnum:24}}'), call('sk_test_{{alnum:99}}'), call('sk_prod_{{alnum:32}}')],
      negative: [
        call('sk_live_YOUR_STRIPE_SECRET_KEY_HERE'),
        call('sk_live_' + 'x'.repeat(24)),
        call('sk_live_{{alnum:10}}'),
      ],
    },
    patterns: ['sk_live_', 'sk_test_', 'sk_prod_'].map((a) => ({ anchor: a, source: `${a}[${ALNUM}]{24,247}` })),
  },
  {
    id: 'stripe-restricted-key',
    provider: 'Stripe',
    title: 'Stripe restricted key',
    keyName: 'STRIPE_RESTRICTED_KEY',
    keepPrefix: 8,
    description:
      'A Stripe restricted key (`rk_live_…`, `rk_test_…`) carries the permissions chosen when it was created, often write access to charges or customers.',
    samples: {
      positive: [call('rk_live_{{alnum:24}}'), call('rk_test_{{alnum:40}}')],
      negative: [call('rk_live_••••••••{{alnum:4}}')],
    },
    patterns: ['rk_live_', 'rk_test_', 'rk_prod_'].map((a) => ({ anchor: a, source: `${a}[${ALNUM}]{24,247}` })),
  },
  {
    id: 'stripe-webhook-secret',
    provider: 'Stripe',
    title: 'Stripe webhook signing secret',
    keyName: 'STRIPE_WEBHOOK_SECRET',
    keepPrefix: 6,
    description:
      'A webhook signing secret (`whsec_…`) lets whoever holds it forge Stripe events that your endpoint will trust.',
    samples: { positive: [call('whsec_{{alnum:32}}')], negative: [call('whsec_...')] },
    patterns: [{ anchor: 'whsec_', source: `whsec_[${ALNUM}+/=]{32,128}` }],
  },
  {
    id: 'openai-api-key',
    provider: 'OpenAI',
    title: 'OpenAI API key',
    keyName: 'OPENAI_API_KEY',
    keepPrefix: 3,
    description:
      'An OpenAI key: project (`sk-proj-`), service account (`sk-svcacct-`), admin (`sk-admin-`) or legacy user key (`sk-…T3BlbkFJ…`). Whoever holds it spends your quota.',
    samples: {
      positive: [
        call('sk-proj-{{b64url:156}}'),
        call('sk-{{alnum:20}}T3BlbkFJ{{alnum:20}}'),
        call('sk-svcacct-{{b64url:120}}'),
        call('sk-admin-{{b64url:120}}'),
      ],
      negative: [call('sk-proj-YOUR_OPENAI_API_KEY_HERE'), call('sk-proj-...{{alnum:4}}')],
    },
    patterns: [
      { anchor: 'sk-proj-', source: `sk-proj-[${B64URL}]{40,250}` },
      { anchor: 'sk-svcacct-', source: `sk-svcacct-[${B64URL}]{40,250}` },
      { anchor: 'sk-admin-', source: `sk-admin-[${B64URL}]{40,250}` },
      { anchor: 'sk-None-', source: `sk-None-[${B64URL}]{40,250}` },
      { anchor: 'T3BlbkFJ', back: 23, source: `sk-[${ALNUM}]{20}T3BlbkFJ[${ALNUM}]{20}` },
    ],
  },
  {
    id: 'anthropic-api-key',
    provider: 'Anthropic',
    title: 'Anthropic API key',
    keyName: 'ANTHROPIC_API_KEY',
    keepPrefix: 7,
    description:
      'An Anthropic API or admin key (`sk-ant-api03-…`, `sk-ant-admin01-…`); it bills requests to your organisation.',
    samples: {
      positive: [call('sk-ant-api03-{{b64url:93}}AA'), call('sk-ant-admin01-{{b64url:93}}AA')],
      negative: [call('sk-ant-api03-YOUR_ANTHROPIC_KEY_HERE')],
    },
    patterns: [{ anchor: 'sk-ant-', source: `sk-ant-(?:api|admin)[0-9]{2}-[${B64URL}]{80,120}` }],
  },
  {
    id: 'resend-api-key',
    provider: 'Resend',
    title: 'Resend API key',
    keyName: 'RESEND_API_KEY',
    keepPrefix: 3,
    description: 'A Resend API key (`re_…`) sends email from your verified domains.',
    samples: {
      positive: [call('re_{{alnum:8}}_{{alnum:24}}')],
      negative: [call('re_YOUR_RESEND_API_KEY_HERE_xxxxxxx')],
    },
    patterns: [{ anchor: 're_', source: `re_[${ALNUM}]{8,10}_[${ALNUM}]{20,32}` }],
  },
  {
    id: 'google-api-key',
    provider: 'Google',
    title: 'Google API key',
    keyName: 'GOOGLE_API_KEY',
    keepPrefix: 4,
    description:
      'A Google API key (`AIza…`), e.g. for Gemini / Google AI Studio, billed to your project. Firebase web config keys and Google Maps JavaScript API keys have the same shape and are meant for browsers, so an `AIza…` key inside a Firebase config (next to `authDomain`, `messagingSenderId`, …) or loading Maps (`maps.googleapis.com/maps/api/js`, `@googlemaps/js-api-loader`, `useJsApiLoader`, …) is not reported, unless the code around it calls Gemini.',
    samples: {
      positive: [call('AIza{{b64url:35}}'), 'const genAI = new GoogleGenerativeAI("AIza{{b64url:35}}");'],
      negative: [
        'const firebaseConfig = { apiKey: "AIza{{b64url:35}}", authDomain: "demo.firebaseapp.com", messagingSenderId: "1234" };',
        'const loader = new Loader({ apiKey: "AIza{{b64url:35}}" }); // @googlemaps/js-api-loader',
      ],
    },
    patterns: [{ anchor: 'AIza', source: `AIza[${B64URL}]{35}` }],
  },
  {
    id: 'google-oauth-client-secret',
    provider: 'Google',
    title: 'Google OAuth client secret',
    keyName: 'GOOGLE_CLIENT_SECRET',
    keepPrefix: 7,
    description: 'A Google OAuth client secret (`GOCSPX-…`) lets an app impersonate your OAuth client.',
    samples: { positive: [call('GOCSPX-{{b64url:28}}')], negative: [call('GOCSPX-YOUR_CLIENT_SECRET')] },
    patterns: [{ anchor: 'GOCSPX-', source: `GOCSPX-[${B64URL}]{28}` }],
  },
  {
    id: 'google-oauth-token',
    provider: 'Google',
    title: 'Google OAuth access token',
    keyName: 'GOOGLE_ACCESS_TOKEN',
    keepPrefix: 5,
    description:
      'A Google OAuth access token (`ya29.…`) acts as the user or service account it was issued to until it expires.',
    samples: { positive: [call('ya29.{{b64url:120}}')], negative: [call('ya29.')] },
    patterns: [{ anchor: 'ya29.', source: `ya29\\.[${B64URL}]{50,2000}` }],
  },
  {
    id: 'gcp-service-account',
    provider: 'Google Cloud / Firebase',
    title: 'Google Cloud / Firebase service account',
    keyName: 'FIREBASE_SERVICE_ACCOUNT',
    description:
      'A service account key file (`"type": "service_account"` with `private_key_id` and `private_key`), as downloaded for the Firebase Admin SDK. It has admin rights on the project; the private key block is reported too.',
    samples: {
      positive: [
        '{ "type": "service_account", "project_id": "demo", "private_key_id": "{{hex:40}}", "client_email": "app@demo.iam.gserviceaccount.com" }',
      ],
      negative: ['{ "type": "service_account", "private_key_id": "" }'],
    },
    patterns: [
      {
        anchor: 'private_key_id',
        boundary: false,
        source: `private_key_id["']?[ \\t]{0,4}:[ \\t]{0,4}["']([0-9a-f]{40})["']`,
        group: 1,
      },
    ],
  },
  {
    id: 'aws-access-key-id',
    provider: 'AWS',
    title: 'AWS access key ID',
    keyName: 'AWS_ACCESS_KEY_ID',
    keepPrefix: 4,
    description:
      'An AWS access key ID (`AKIA…`, `ASIA…`). It is half of a credential pair; its secret access key is usually nearby.',
    samples: {
      positive: [call('AKIA{{b32:16}}'), call('ASIA{{b32:16}}'), call('A3T{{upnum:1}}{{b32:16}}')],
      negative: [
        call('AKIAIOSFODNN7EXAMPLE'),
        call('AKIA{{b32:10}}'),
        '"integrity": "sha512-{{b64:20}}/AKIA{{b32:16}}+{{b64:42}}=="',
      ],
    },
    patterns: [
      ...['AKIA', 'ASIA', 'ABIA', 'ACCA'].map((a) => ({ anchor: a, source: `${a}[A-Z2-7]{16}` })),
      { anchor: 'A3T', source: 'A3T[A-Z0-9][A-Z2-7]{16}' },
    ],
  },
  {
    id: 'github-token',
    provider: 'GitHub',
    title: 'GitHub token',
    keyName: 'GITHUB_TOKEN',
    keepPrefix: 4,
    description:
      'A GitHub personal access, OAuth, app user, app installation or refresh token (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`). The last six characters are a CRC-32 checksum of the rest; a value whose checksum does not match is not a GitHub token and is not reported.',
    samples: {
      positive: [call('ghp_{{crc62}}'), call('gho_{{crc62}}'), call('ghs_{{crc62}}')],
      negative: [call('ghp_{{alnum:36}}'), call('ghp_YOUR_GITHUB_TOKEN_HERE_xxxxxxxxxxxx')],
    },
    patterns: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'].map((a) => ({ anchor: a, source: `${a}[${ALNUM}]{36,251}` })),
    validate: validBase62Checksum,
  },
  {
    id: 'github-fine-grained-pat',
    provider: 'GitHub',
    title: 'GitHub fine-grained personal access token',
    keyName: 'GITHUB_TOKEN',
    keepPrefix: 11,
    description: 'A fine-grained GitHub personal access token (`github_pat_…`).',
    samples: {
      positive: [call('github_pat_{{alnum:22}}_{{alnum:59}}')],
      negative: [call('github_pat_YOUR_FINE_GRAINED_TOKEN')],
    },
    patterns: [{ anchor: 'github_pat_', source: `github_pat_[${ALNUM}]{22}_[${ALNUM}]{59}` }],
  },
  {
    id: 'gitlab-token',
    provider: 'GitLab',
    title: 'GitLab token',
    keyName: 'GITLAB_TOKEN',
    keepPrefix: 5,
    description:
      'A GitLab token: personal, project or group access (`glpat-`), deploy (`gldt-`), runner (`glrt-`, `GR1348941…`), pipeline trigger (`glptt-`), CI/CD job (`glcbt-`), feed (`glft-`), incoming mail (`glimt-`), Kubernetes agent (`glagent-`), OAuth application secret (`gloas-`), SCIM (`glsoat-`), feature flag client (`glffct-`) or a session cookie (`_gitlab_session=`). Routable tokens (`glpat-….01…`) carry a CRC-32 checksum; one that does not verify is not reported.',
    samples: {
      positive: [
        call('glpat-{{b64url:20}}'),
        call('{{glroutable:pat}}'),
        call('{{glroutable:rt}}'),
        call('gldt-{{b64url:20}}'),
        call('glptt-{{hex:40}}'),
        call('glcbt-{{alnum:5}}_{{b64url:20}}'),
        call('glft-{{b64url:20}}'),
        call('glimt-{{b64url:25}}'),
        call('glagent-{{b64url:50}}'),
        call('gloas-{{b64url:64}}'),
        call('glsoat-{{b64url:20}}'),
        call('glffct-{{b64url:20}}'),
        call('GR1348941{{b64url:20}}'),
        'document.cookie = "_gitlab_session={{lowernum:32}}";',
      ],
      negative: [
        call('glpat-YOUR_GITLAB_PAT_HERE'),
        call('glpat-{{b64url:40}}.01{{lowernum:7}}'),
        call('glpat-xxxxxxxxxxxxxxxxxxxx'),
      ],
    },
    patterns: [
      { anchor: 'glpat-', source: `glpat-[${B64URL}]{20,300}(?:\\.[0-9a-z]{9})?` },
      { anchor: 'glrt-', source: `glrt-[${B64URL}]{20,300}(?:\\.[0-9a-z]{9})?` },
      { anchor: 'gldt-', source: `gldt-[${B64URL}]{20,80}` },
      { anchor: 'glptt-', source: 'glptt-[0-9a-f]{40}' },
      { anchor: 'glcbt-', source: `glcbt-[${ALNUM}]{1,5}_[${B64URL}]{20}` },
      { anchor: 'glft-', source: `glft-[${B64URL}]{20}` },
      { anchor: 'glimt-', source: `glimt-[${B64URL}]{25}` },
      { anchor: 'glagent-', source: `glagent-[${B64URL}]{50}` },
      { anchor: 'gloas-', source: `gloas-[${B64URL}]{64}` },
      { anchor: 'glsoat-', source: `glsoat-[${B64URL}]{20}` },
      { anchor: 'glffct-', source: `glffct-[${B64URL}]{20}` },
      { anchor: 'GR1348941', source: `GR1348941[${B64URL}]{20}` },
      { anchor: '_gitlab_session=', boundary: false, source: '_gitlab_session=([0-9a-z]{32})', group: 1 },
    ],
    validate: validGitLabToken,
  },
  {
    id: 'slack-token',
    provider: 'Slack',
    title: 'Slack token',
    keyName: 'SLACK_BOT_TOKEN',
    keepPrefix: 5,
    description:
      'A Slack bot, user, workspace or configuration token (`xoxb-`, `xoxp-`, `xoxa-`, `xoxe-`, `xoxr-`, `xoxs-`, `xoxo-`, `xoxe.xoxp-`); it reads and posts messages as your app or user.',
    samples: {
      positive: [
        call('xoxb-{{digits:12}}-{{digits:13}}-{{alnum:24}}'),
        call('xoxp-{{digits:12}}-{{digits:12}}-{{digits:12}}-{{hex:32}}'),
        call('xoxe.xoxp-1-{{upnum:164}}'),
        call('xoxe-1-{{upnum:146}}'),
        call('xoxa-2-{{alnum:30}}'),
        call('xoxo-{{digits:10}}-{{digits:10}}-{{digits:10}}-{{hex:10}}'),
      ],
      negative: [
        call('xoxb-{{digits:12}}-####################'),
        call('xoxb-{{digits:12}}-{{digits:13}}-{{alnum:24}}####'),
        call(joined('xo', 'xb-YOUR-SLACK-BOT-TOKEN')),
      ],
    },
    patterns: [
      ...['xoxb-', 'xoxp-', 'xoxa-', 'xoxe-', 'xoxr-', 'xoxs-', 'xoxo-'].map((a) => ({
        anchor: a,
        source: `${a}[0-9]{8,14}-[${ALNUM}-]{20,200}`,
      })),
      ...['xoxa-', 'xoxr-'].map((a) => ({ anchor: a, source: `${a}[0-9]-[${ALNUM}]{8,48}` })),
      { anchor: 'xoxe.xox', source: 'xoxe\\.xox[bp]-[0-9]-[A-Z0-9]{160,170}' },
      { anchor: 'xoxe-', source: 'xoxe-[0-9]-[A-Z0-9]{140,150}' },
    ],
  },
  {
    id: 'slack-app-token',
    provider: 'Slack',
    title: 'Slack app-level token',
    keyName: 'SLACK_APP_TOKEN',
    keepPrefix: 5,
    description: 'A Slack app-level token (`xapp-…`), used for Socket Mode connections.',
    samples: {
      positive: [call(joined('xa', 'pp-1-A{{upnum:10}}-{{digits:13}}-{{hex:64}}'))],
      negative: [call('xapp-1-YOUR_APP_TOKEN')],
    },
    patterns: [{ anchor: 'xapp-', source: 'xapp-[0-9]-[A-Z0-9]{9,12}-[0-9]{10,13}-[a-f0-9]{64}' }],
  },
  {
    id: 'slack-webhook',
    provider: 'Slack',
    title: 'Slack incoming webhook URL',
    keyName: 'SLACK_WEBHOOK_URL',
    keepPrefix: 0,
    description:
      'A Slack incoming webhook or Workflow Builder trigger URL: anyone holding it can post into the channel or start the workflow.',
    samples: {
      positive: [
        call('https://hooks.slack.com/services/T{{upnum:10}}/B{{upnum:10}}/{{alnum:24}}'),
        call('https://hooks.slack.com/workflows/T{{upnum:10}}/A{{upnum:10}}/{{digits:18}}/{{alnum:24}}'),
        call('https://hooks.slack.com/triggers/T{{upnum:10}}/{{digits:13}}/{{hex:32}}'),
      ],
      negative: [call(joined('https://hooks.slack.com/services/', 'T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX'))],
    },
    patterns: [
      {
        anchor: 'hooks.slack.com/services/',
        boundary: false,
        back: lookBackFor('https://', 8),
        source: '(?:https://)?hooks\\.slack\\.com/services/T[A-Z0-9]{8,12}/B[A-Z0-9]{8,12}/[A-Za-z0-9]{24}',
      },
      {
        anchor: 'hooks.slack.com/workflows/',
        boundary: false,
        back: lookBackFor('https://', 8),
        source:
          '(?:https://)?hooks\\.slack\\.com/workflows/T[A-Z0-9]{8,12}/A[A-Z0-9]{8,12}/[0-9]{10,20}/[A-Za-z0-9]{24,32}',
      },
      {
        anchor: 'hooks.slack.com/triggers/',
        boundary: false,
        back: lookBackFor('https://', 8),
        source: '(?:https://)?hooks\\.slack\\.com/triggers/T[A-Z0-9]{8,12}/[0-9]{10,20}/[a-f0-9]{32}',
      },
    ],
  },
  {
    id: 'sendgrid-api-key',
    provider: 'SendGrid',
    title: 'SendGrid API key',
    keyName: 'SENDGRID_API_KEY',
    keepPrefix: 3,
    description: 'A SendGrid API key (`SG.…`) sends email as your account.',
    samples: { positive: [call('SG.{{b64url:22}}.{{b64url:43}}')], negative: [call('SG.YOUR_SENDGRID_API_KEY')] },
    patterns: [{ anchor: 'SG.', source: `SG\\.[${B64URL}]{22}\\.[${B64URL}]{43}` }],
  },
  {
    id: 'mailgun-api-key',
    provider: 'Mailgun',
    title: 'Mailgun API key',
    keyName: 'MAILGUN_API_KEY',
    keepPrefix: 4,
    description: 'A Mailgun private API key (`key-…`).',
    samples: { positive: [call('key-{{hex:32}}')], negative: [call('key-{{hex:16}}')] },
    patterns: [{ anchor: 'key-', source: 'key-[0-9a-f]{32}' }],
  },
  {
    id: 'twilio-api-key',
    provider: 'Twilio',
    title: 'Twilio API key',
    keyName: 'TWILIO_API_KEY',
    keepPrefix: 2,
    description: 'A Twilio API key SID (`SK` + 32 hex digits), the name half of a Twilio API key pair.',
    samples: { positive: [call('SK{{hex:32}}')], negative: [call('SK{{hex:16}}')] },
    // Anchored on three characters (the prefilter reads character pairs at even offsets).
    patterns: [...'0123456789abcdefABCDEF'].map((h) => ({ anchor: `SK${h}`, source: 'SK[0-9a-fA-F]{32}' })),
  },
  {
    id: 'huggingface-token',
    provider: 'Hugging Face',
    title: 'Hugging Face access token',
    keyName: 'HF_TOKEN',
    keepPrefix: 3,
    description: 'A Hugging Face user or organisation access token (`hf_…`, `api_org_…`).',
    samples: {
      positive: [call('hf_{{alpha:34}}'), call('api_org_{{alpha:34}}')],
      negative: [call('hf_YOUR_HUGGINGFACE_TOKEN')],
    },
    patterns: [
      { anchor: 'hf_', source: 'hf_[A-Za-z]{34}' },
      { anchor: 'api_org_', source: 'api_org_[A-Za-z]{34}' },
    ],
  },
  {
    id: 'groq-api-key',
    provider: 'Groq',
    title: 'Groq API key',
    keyName: 'GROQ_API_KEY',
    keepPrefix: 4,
    description: 'A Groq API key (`gsk_…`).',
    samples: { positive: [call('gsk_{{alnum:52}}')], negative: [call('gsk_YOUR_GROQ_API_KEY')] },
    patterns: [{ anchor: 'gsk_', source: `gsk_[${ALNUM}]{52}` }],
  },
  {
    id: 'replicate-api-token',
    provider: 'Replicate',
    title: 'Replicate API token',
    keyName: 'REPLICATE_API_TOKEN',
    keepPrefix: 3,
    description: 'A Replicate API token (`r8_…`).',
    samples: { positive: [call('r8_{{alnum:37}}')], negative: [call('r8_YOUR_REPLICATE_TOKEN')] },
    patterns: [{ anchor: 'r8_', source: `r8_[${ALNUM}]{37}` }],
  },
  {
    id: 'supabase-service-role-key',
    provider: 'Supabase',
    title: 'Supabase service-role key',
    keyName: 'SUPABASE_SERVICE_ROLE_KEY',
    description:
      'A Supabase JWT whose payload has `"role": "service_role"`: it bypasses row-level security. The anon key (`"role": "anon"`) is public by design and is not reported.',
    samples: {
      positive: [call('{{jwt:service_role}}')],
      negative: [call('{{jwt:anon}}'), call('{{jwt:authenticated}}')],
    },
    patterns: [{ anchor: 'eyJ', source: `eyJ[${B64URL}]{10,2000}\\.eyJ[${B64URL}]{10,4000}\\.[${B64URL}]{10,1000}` }],
    validate: isServiceRoleJwt,
  },
  {
    id: 'supabase-secret-key',
    provider: 'Supabase',
    title: 'Supabase secret API key',
    keyName: 'SUPABASE_SECRET_KEY',
    keepPrefix: 10,
    description:
      'A Supabase secret API key (`sb_secret_…`), the successor of the service-role JWT. `sb_publishable_…` keys are public and not reported.',
    samples: { positive: [call('sb_secret_{{b64url:31}}')], negative: [call('sb_publishable_{{b64url:31}}')] },
    patterns: [{ anchor: 'sb_secret_', source: `sb_secret_[${B64URL}]{20,80}` }],
  },
  {
    id: 'shopify-access-token',
    provider: 'Shopify',
    title: 'Shopify access token',
    keyName: 'SHOPIFY_ACCESS_TOKEN',
    keepPrefix: 6,
    description: 'A Shopify Admin API, custom app or partner access token (`shpat_`, `shpca_`, `shppa_`).',
    samples: {
      positive: [call('shpat_{{hex:32}}'), call('shpca_{{hex:32}}'), call('shppa_{{hex:32}}')],
      negative: [call('shpat_YOUR_ACCESS_TOKEN')],
    },
    patterns: ['shpat_', 'shpca_', 'shppa_'].map((a) => ({ anchor: a, source: `${a}[a-fA-F0-9]{32}` })),
  },
  {
    id: 'shopify-shared-secret',
    provider: 'Shopify',
    title: 'Shopify shared secret',
    keyName: 'SHOPIFY_API_SECRET',
    keepPrefix: 6,
    description: 'A Shopify app shared secret (`shpss_…`), used to sign and verify requests.',
    samples: { positive: [call('shpss_{{hex:32}}')], negative: [call('shpss_{{hex:12}}')] },
    patterns: [{ anchor: 'shpss_', source: 'shpss_[a-fA-F0-9]{32}' }],
  },
  {
    id: 'npm-token',
    provider: 'npm',
    title: 'npm access token',
    keyName: 'NPM_TOKEN',
    keepPrefix: 4,
    description:
      'An npm access token (`npm_…`, or any token after `_authToken=` as in an `.npmrc`) can publish packages as you. The last six characters of an `npm_` token are a CRC-32 checksum; a value whose checksum does not match is not reported.',
    samples: {
      positive: [call('npm_{{crc62}}'), 'const npmrc = "//registry.npmjs.org/:_authToken={{uuid}}";'],
      negative: [
        call('npm_{{alnum:36}}'),
        call('npm_YOUR_NPM_TOKEN'),
        'const npmrc = "//registry.npmjs.org/:_authToken=${NPM_TOKEN}";',
      ],
    },
    patterns: [
      { anchor: 'npm_', source: `npm_[${ALNUM}]{36}` },
      // Any token written after `_authToken=` in an .npmrc, including legacy (UUID) tokens.
      { anchor: ':_authToken=', boundary: false, source: ':_authToken=([A-Za-z0-9._~+/=-]{20,200})', group: 1 },
    ],
    validate: (v) => !v.startsWith('npm_') || validBase62Checksum(v),
  },
  {
    id: 'pypi-token',
    provider: 'PyPI',
    title: 'PyPI upload token',
    keyName: 'PYPI_TOKEN',
    keepPrefix: 5,
    description:
      'A PyPI API token (`pypi-AgEIcHlwaS5vcmc…`) can upload releases. The token is a macaroon: it is decoded, and one that does not decode (truncated or made up) is not reported.',
    samples: { positive: [call('{{pypi}}')], negative: [call('pypi-AgEIcHlwaS5vcmc{{b64url:80}}')] },
    patterns: [{ anchor: 'pypi-AgEIcHlwaS5vcmc', source: `pypi-AgEIcHlwaS5vcmc[${B64URL}]{50,1000}` }],
    validate: validPypiMacaroon,
  },
  {
    id: 'square-access-token',
    provider: 'Square',
    title: 'Square access token',
    keyName: 'SQUARE_ACCESS_TOKEN',
    keepPrefix: 4,
    description: 'A Square access token (`EAAA…` or legacy `sq0atp-…`).',
    samples: {
      positive: [call('sq0atp-{{b64url:22}}'), call('EAAA{{b64url:60}}')],
      negative: [call('sq0atp-YOUR_SQUARE_ACCESS_TOKEN_HERE')],
    },
    patterns: [
      { anchor: 'sq0atp-', source: `sq0atp-[${B64URL}]{22}` },
      { anchor: 'EAAA', source: `EAAA[${B64URL}]{60}` },
    ],
  },
  {
    id: 'square-oauth-secret',
    provider: 'Square',
    title: 'Square OAuth application secret',
    keyName: 'SQUARE_APPLICATION_SECRET',
    keepPrefix: 7,
    description: 'A Square OAuth application secret (`sq0csp-…`).',
    samples: { positive: [call('sq0csp-{{b64url:43}}')], negative: [call('sq0csp-YOUR_SQUARE_APPLICATION_SECRET')] },
    patterns: [{ anchor: 'sq0csp-', source: `sq0csp-[${B64URL}]{43}` }],
  },
  {
    id: 'braintree-access-token',
    provider: 'PayPal / Braintree',
    title: 'PayPal Braintree access token',
    keyName: 'BRAINTREE_ACCESS_TOKEN',
    keepPrefix: 13,
    description: 'A PayPal Braintree access token (`access_token$production$…` or `$sandbox$`).',
    samples: {
      positive: [call('access_token$production${{lowernum:16}}${{hex:32}}')],
      negative: [call('access_token$production$<merchant_id>$<secret>')],
    },
    patterns: [
      { anchor: 'access_token$', source: 'access_token\\$(?:production|sandbox)\\$[0-9a-z]{16}\\$[0-9a-f]{32}' },
    ],
  },
  {
    id: 'plaid-access-token',
    provider: 'Plaid',
    title: 'Plaid access token',
    keyName: 'PLAID_ACCESS_TOKEN',
    keepPrefix: 7,
    description:
      "A Plaid access token (`access-production-…`, `access-development-…`, `access-sandbox-…`) reads an end user's bank data.",
    samples: {
      positive: [call('access-sandbox-{{uuid}}'), call('access-production-{{uuid}}')],
      negative: [call('access-sandbox-YOUR_ACCESS_TOKEN')],
    },
    patterns: ['sandbox', 'development', 'production'].map((env) => ({
      anchor: `access-${env}-`,
      source: `access-${env}-${UUID}`,
    })),
  },
  {
    id: 'mapbox-secret-token',
    provider: 'Mapbox',
    title: 'Mapbox secret access token',
    keyName: 'MAPBOX_SECRET_TOKEN',
    keepPrefix: 3,
    description:
      'A Mapbox secret token (`sk.eyJ…`). Public tokens (`pk.eyJ…`) are meant for browsers and are not reported.',
    samples: {
      positive: [call('sk.eyJ{{b64url:60}}.{{b64url:22}}')],
      negative: [call('pk.eyJ{{b64url:60}}.{{b64url:22}}')],
    },
    patterns: [{ anchor: 'sk.eyJ', source: `sk\\.eyJ[${B64URL}]{20,1000}\\.[${B64URL}]{20,200}` }],
  },
  {
    id: 'sentry-auth-token',
    provider: 'Sentry',
    title: 'Sentry auth token',
    keyName: 'SENTRY_AUTH_TOKEN',
    keepPrefix: 7,
    description:
      'A Sentry organisation or user auth token (`sntrys_…`, `sntryu_…`), used to upload source maps and manage projects. DSNs are public and not reported.',
    samples: {
      positive: [call('sntrys_eyJ{{b64:120}}'), call('sntryu_{{hex:64}}')],
      negative: [call('https://{{hex:32}}@o123.ingest.sentry.io/456')],
    },
    patterns: [
      { anchor: 'sntrys_eyJ', source: `sntrys_eyJ[${B64URL}+/=]{60,1200}` },
      { anchor: 'sntryu_', source: 'sntryu_[0-9a-f]{64}' },
    ],
  },
  {
    id: 'discord-webhook',
    provider: 'Discord',
    title: 'Discord webhook URL',
    keyName: 'DISCORD_WEBHOOK_URL',
    description: 'A Discord webhook URL: anyone holding it can post into the channel.',
    samples: {
      positive: [call('https://discord.com/api/webhooks/{{digits:18}}/{{b64url:68}}')],
      negative: [call('https://discord.com/api/webhooks/ID/TOKEN')],
    },
    patterns: [
      {
        anchor: '/api/webhooks/',
        boundary: false,
        back: lookBackFor('https://', 40),
        source: `(?:https://(?:ptb\\.|canary\\.)?discord(?:app)?\\.com)?/api/webhooks/[0-9]{17,20}/[${B64URL}]{60,80}`,
      },
    ],
  },
  {
    id: 'telegram-bot-token',
    provider: 'Telegram',
    title: 'Telegram bot token',
    keyName: 'TELEGRAM_BOT_TOKEN',
    description: 'A Telegram bot token (`<bot id>:AA…`) controls the bot.',
    samples: { positive: [call('{{digits:10}}:AA{{b64url:33}}')], negative: [call('123456789:AA_YOUR_BOT_TOKEN')] },
    patterns: [
      {
        anchor: ':AA',
        source: `[0-9]{8,10}:AA[${B64URL}]{33}`,
        back: backOverDigits(10),
      },
    ],
  },
  {
    id: 'private-key',
    provider: 'Private key',
    title: 'Private key block',
    keyName: 'PRIVATE_KEY',
    keepPrefix: 0,
    description:
      'A PEM or OpenSSH private key block (`-----BEGIN … PRIVATE KEY-----`). Public keys and certificates are not reported.',
    samples: {
      positive: ['const pem = `-----BEGIN RSA PRIVATE KEY-----\\n{{pemlines}}-----END RSA PRIVATE KEY-----`;'],
      negative: [
        'const pem = `-----BEGIN PUBLIC KEY-----\\n{{pemlines}}-----END PUBLIC KEY-----`;',
        'const pem = `-----BEGIN PRIVATE KEY-----\\n...\\n-----END PRIVATE KEY-----`;',
      ],
    },
    patterns: [
      {
        anchor: '-----BEGIN',
        boundary: false,
        source:
          '-----BEGIN[ A-Z0-9]{0,30}PRIVATE KEY(?: BLOCK)?-----[^-]{1,12000}-----END[ A-Z0-9]{0,30}PRIVATE KEY(?: BLOCK)?-----',
      },
    ],
    validate: (value) => /[A-Za-z0-9+/]{40}/.test(value),
  },
  {
    id: 'connection-string-password',
    provider: 'Database',
    title: 'Connection string with a password',
    keyName: 'DATABASE_URL',
    keepPrefix: 0,
    container: true,
    description:
      'A database or broker URL with a password in it (`postgres://user:password@host/db`, MySQL, MongoDB, Redis, AMQP, SQL Server).',
    samples: {
      positive: [
        call('postgres://app:{{alnum:20}}@db.internal:5432/app'),
        call('mongodb+srv://svc:{{alnum:16}}@cluster0.abcde.mongodb.net/prod'),
      ],
      negative: [call('postgres://user:password@localhost:5432/db'), call('redis://:${REDIS_PASSWORD}@cache:6379')],
    },
    patterns: [
      'postgres://',
      'postgresql://',
      'mysql://',
      'mariadb://',
      'mongodb://',
      'mongodb+srv://',
      'redis://',
      'rediss://',
      'amqp://',
      'amqps://',
      'mssql://',
      'sqlserver://',
    ].map((a) => ({
      anchor: a,
      source: `${a.replace(/[+.]/g, '\\$&')}[^:/\\s"'\`@<>{}$]{1,128}:[^@/\\s"'\`<>{}$]{1,256}@[^\\s"'\`/<>{}]{1,256}[^\\s"'\`<>]{0,512}`,
    })),
    validate: (value) => {
      const m = /^[a-z+]+:\/\/[^:]*:([^@]*)@/.exec(value);
      return (
        m !== null &&
        !/^(?:password|pass|passwd|pwd|secret|changeme|xxx+|\*+|•+|your[-_]?password|\[password\]|example)$/i.test(
          decodeSafe(m[1] ?? ''),
        )
      );
    },
  },
  {
    id: 'digitalocean-token',
    provider: 'DigitalOcean',
    title: 'DigitalOcean token',
    keyName: 'DIGITALOCEAN_TOKEN',
    keepPrefix: 7,
    description: 'A DigitalOcean personal access, OAuth or refresh token (`dop_v1_`, `doo_v1_`, `dor_v1_`).',
    samples: {
      positive: [call('dop_v1_{{hex:64}}'), call('doo_v1_{{hex:64}}'), call('dor_v1_{{hex:64}}')],
      negative: [call('dop_v1_YOUR_TOKEN')],
    },
    patterns: ['dop_v1_', 'doo_v1_', 'dor_v1_'].map((a) => ({ anchor: a, source: `${a}[a-f0-9]{64}` })),
  },
  {
    id: 'linear-api-key',
    provider: 'Linear',
    title: 'Linear API key',
    keyName: 'LINEAR_API_KEY',
    keepPrefix: 8,
    description: 'A Linear personal API key (`lin_api_…`).',
    samples: { positive: [call('lin_api_{{alnum:40}}')], negative: [call('lin_api_YOUR_LINEAR_KEY')] },
    patterns: [{ anchor: 'lin_api_', source: `lin_api_[${ALNUM}]{40}` }],
  },
  {
    id: 'notion-token',
    provider: 'Notion',
    title: 'Notion integration token',
    keyName: 'NOTION_TOKEN',
    keepPrefix: 4,
    description: 'A Notion integration token (`ntn_…` or legacy `secret_…`).',
    samples: {
      positive: [call('ntn_{{digits:11}}{{alnum:35}}'), call('secret_{{alnum:43}}')],
      negative: [call('secret_YOUR_NOTION_TOKEN')],
    },
    patterns: [
      { anchor: 'ntn_', source: `ntn_[0-9]{11}[${ALNUM}]{35}` },
      { anchor: 'secret_', source: `secret_[${ALNUM}]{43}` },
    ],
  },
  {
    id: 'airtable-pat',
    provider: 'Airtable',
    title: 'Airtable personal access token',
    keyName: 'AIRTABLE_TOKEN',
    keepPrefix: 3,
    description: 'An Airtable personal access token (`pat….…`).',
    samples: { positive: [call('pat{{alnum:14}}.{{hex:64}}')], negative: [call('patYOUR_AIRTABLE_PAT')] },
    patterns: [{ anchor: 'pat', source: `pat[${ALNUM}]{14}\\.[a-f0-9]{64}` }],
  },
  {
    id: 'databricks-token',
    provider: 'Databricks',
    title: 'Databricks access token',
    keyName: 'DATABRICKS_TOKEN',
    keepPrefix: 4,
    description: 'A Databricks personal access token (`dapi…`).',
    samples: { positive: [call('dapi{{hex:32}}')], negative: [call('dapi{{hex:16}}')] },
    patterns: [{ anchor: 'dapi', source: 'dapi[a-f0-9]{32}(?:-[0-9])?' }],
  },
  {
    id: 'doppler-token',
    provider: 'Doppler',
    title: 'Doppler token',
    keyName: 'DOPPLER_TOKEN',
    keepPrefix: 6,
    description: 'A Doppler personal, service, CLI or service-account token (`dp.pt.`, `dp.st.`, `dp.ct.`, `dp.sa.`).',
    samples: {
      positive: [call('dp.pt.{{alnum:43}}'), call('dp.st.{{alnum:43}}')],
      negative: [call('dp.st.YOUR_SERVICE_TOKEN')],
    },
    patterns: ['pt', 'st', 'ct', 'sa'].map((k) => ({ anchor: `dp.${k}.`, source: `dp\\.${k}\\.[${ALNUM}]{40,44}` })),
  },
  {
    id: 'pulumi-token',
    provider: 'Pulumi',
    title: 'Pulumi access token',
    keyName: 'PULUMI_ACCESS_TOKEN',
    keepPrefix: 4,
    description: 'A Pulumi access token (`pul-…`).',
    samples: { positive: [call('pul-{{hex:40}}')], negative: [call('pul-{{hex:20}}')] },
    patterns: [{ anchor: 'pul-', source: 'pul-[a-f0-9]{40}' }],
  },
  {
    id: 'postman-api-key',
    provider: 'Postman',
    title: 'Postman API key',
    keyName: 'POSTMAN_API_KEY',
    keepPrefix: 5,
    description: 'A Postman API key (`PMAK-…`).',
    samples: { positive: [call('PMAK-{{hex:24}}-{{hex:34}}')], negative: [call('PMAK-YOUR-POSTMAN-KEY')] },
    patterns: [{ anchor: 'PMAK-', source: 'PMAK-[a-f0-9]{24}-[a-f0-9]{34}' }],
  },
  {
    id: 'dynatrace-token',
    provider: 'Dynatrace',
    title: 'Dynatrace API token',
    keyName: 'DYNATRACE_API_TOKEN',
    keepPrefix: 7,
    description: 'A Dynatrace API token (`dt0c01.…`).',
    samples: { positive: [call('dt0c01.{{upnum:24}}.{{alnum:64}}')], negative: [call('dt0c01.YOUR_TOKEN')] },
    patterns: [{ anchor: 'dt0c01.', source: `dt0c01\\.[${ALNUM}]{24}\\.[${ALNUM}]{64}` }],
  },
  {
    id: 'shippo-token',
    provider: 'Shippo',
    title: 'Shippo API token',
    keyName: 'SHIPPO_API_TOKEN',
    keepPrefix: 12,
    description: 'A Shippo live or test API token (`shippo_live_…`, `shippo_test_…`).',
    samples: {
      positive: [call('shippo_live_{{hex:40}}'), call('shippo_test_{{hex:40}}')],
      negative: [call('shippo_live_YOUR_TOKEN')],
    },
    patterns: ['shippo_live_', 'shippo_test_'].map((a) => ({ anchor: a, source: `${a}[a-f0-9]{40}` })),
  },
  {
    id: 'flutterwave-secret-key',
    provider: 'Flutterwave',
    title: 'Flutterwave secret key',
    keyName: 'FLUTTERWAVE_SECRET_KEY',
    keepPrefix: 7,
    description:
      'A Flutterwave secret key (`FLWSECK-…-X`, `FLWSECK_TEST-…-X`) or encryption key (`FLWSECK_TEST…`). Public keys (`FLWPUBK…`) are not reported.',
    samples: {
      positive: [call('FLWSECK-{{hexah:32}}-X'), call('FLWSECK_TEST-{{hexah:32}}-X'), call('FLWSECK_TEST{{hexah:12}}')],
      negative: [call('FLWPUBK_TEST-{{hexah:32}}-X')],
    },
    patterns: [
      { anchor: 'FLWSECK', source: 'FLWSECK(?:_TEST)?-[a-h0-9]{32}-X' },
      { anchor: 'FLWSECK_TEST', source: 'FLWSECK_TEST[a-h0-9]{12}' },
    ],
  },
  {
    id: 'easypost-api-key',
    provider: 'EasyPost',
    title: 'EasyPost API key',
    keyName: 'EASYPOST_API_KEY',
    keepPrefix: 4,
    description: 'An EasyPost production or test API key (`EZAK…`, `EZTK…`).',
    samples: { positive: [call('EZAK{{alnum:54}}'), call('EZTK{{alnum:54}}')], negative: [call('EZAK_YOUR_KEY')] },
    patterns: ['EZAK', 'EZTK'].map((a) => ({ anchor: a, source: `${a}[${ALNUM}]{54}` })),
  },
  {
    id: 'newrelic-api-key',
    provider: 'New Relic',
    title: 'New Relic user API key',
    keyName: 'NEW_RELIC_API_KEY',
    keepPrefix: 5,
    description:
      'A New Relic user API key (`NRAK-…`) or ingest (insert) key (`NRII-…`). Browser keys (`NRJS-…`) ship in the browser agent by design and are not reported.',
    samples: { positive: [call('NRAK-{{upnum:27}}'), call('NRII-{{b64url:32}}')], negative: [call('NRJS-{{hex:19}}')] },
    patterns: [
      { anchor: 'NRAK-', source: 'NRAK-[A-Z0-9]{27}' },
      { anchor: 'NRII-', source: `NRII-[${B64URL}]{32}` },
    ],
  },
  {
    id: 'grafana-token',
    provider: 'Grafana',
    title: 'Grafana token',
    keyName: 'GRAFANA_TOKEN',
    keepPrefix: 4,
    description:
      'A Grafana Cloud access policy token (`glc_…`), service account token (`glsa_…`, whose CRC-32 checksum is verified) or legacy API key (`eyJrIjoi…`).',
    samples: {
      positive: [call('glc_{{b64:80}}'), call('{{glsa}}'), call('eyJrIjoi{{alnum:72}}')],
      negative: [call('glsa_{{alnum:32}}_{{hex:8}}'), call('glsa_YOUR_SERVICE_ACCOUNT_TOKEN')],
    },
    patterns: [
      { anchor: 'glc_', source: `glc_[${ALNUM}+/]{32,400}={0,2}` },
      { anchor: 'glsa_', source: `glsa_[${ALNUM}]{32}_[A-Fa-f0-9]{8}` },
      { anchor: 'eyJrIjoi', source: `eyJrIjoi[${ALNUM}]{70,400}={0,3}` },
    ],
    validate: (v) => !v.startsWith('glsa_') || validGrafanaChecksum(v),
  },
  {
    id: 'vault-token',
    provider: 'HashiCorp Vault',
    title: 'HashiCorp Vault token',
    keyName: 'VAULT_TOKEN',
    keepPrefix: 4,
    description:
      'A HashiCorp Vault service, batch or recovery token (`hvs.…`, `hvb.…`, `hvr.…`, or the legacy `s.` + 24 characters).',
    samples: {
      positive: [
        call('hvs.{{b64url:95}}'),
        call('hvb.{{b64url:140}}'),
        call('hvr.{{b64url:95}}'),
        call('s.{{alnum:21}}Aa1'),
      ],
      negative: [call('s.getElementsByClassNameX'), call('hvs.YOUR_VAULT_TOKEN')],
    },
    patterns: [
      { anchor: 'hvs.', source: `hvs\\.[${B64URL}]{90,200}` },
      { anchor: 'hvb.', source: `hvb\\.[${B64URL}]{90,300}` },
      { anchor: 'hvr.', source: `hvr\\.[${B64URL}]{90,200}` },
      { anchor: 's.', source: `s\\.[${ALNUM}]{24}` },
    ],
    // A legacy `s.` token is 24 random characters: mixed case and digits, not a property path.
    validate: (v) => !v.startsWith('s.') || mixedAlnum(v.slice(2)),
  },
  {
    id: 'terraform-cloud-token',
    provider: 'HashiCorp Terraform',
    title: 'Terraform Cloud API token',
    keyName: 'TF_API_TOKEN',
    keepPrefix: 0,
    description: 'A Terraform Cloud / Enterprise API token (`….atlasv1.…`).',
    samples: {
      positive: [call('{{alnum:14}}.atlasv1.{{b64url:67}}')],
      negative: [call('xxxxxxxxxxxxxx.atlasv1.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx')],
    },
    patterns: [{ anchor: '.atlasv1.', back: 14, source: `[${ALNUM}]{14}\\.atlasv1\\.[${B64URL}=]{60,70}` }],
  },
  {
    id: 'age-secret-key',
    provider: 'age',
    title: 'age secret key',
    keyName: 'AGE_SECRET_KEY',
    keepPrefix: 15,
    description:
      'An age encryption secret key (`AGE-SECRET-KEY-1…`). Its Bech32 checksum is verified: a value that fails it is not reported.',
    samples: {
      positive: [call('{{age}}')],
      negative: [call('AGE-SECRET-KEY-1YOUR_AGE_SECRET_KEY_HERE'), call('AGE-SECRET-KEY-1{{bech:58}}')],
    },
    patterns: [{ anchor: 'AGE-SECRET-KEY-1', source: 'AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}' }],
    validate: validBech32,
  },
  {
    id: 'onepassword-service-token',
    provider: '1Password',
    title: '1Password service account token',
    keyName: 'OP_SERVICE_ACCOUNT_TOKEN',
    keepPrefix: 4,
    description: 'A 1Password service account token (`ops_eyJ…`) reads the vaults it was granted.',
    samples: { positive: [call('ops_eyJ{{b64:300}}')], negative: [call('ops_YOUR_SERVICE_ACCOUNT_TOKEN')] },
    patterns: [{ anchor: 'ops_eyJ', source: `ops_eyJ[${ALNUM}+/]{250,2000}={0,3}` }],
  },
  {
    id: 'atlassian-api-token',
    provider: 'Atlassian',
    title: 'Atlassian API token',
    keyName: 'ATLASSIAN_API_TOKEN',
    keepPrefix: 6,
    description: 'An Atlassian (Jira, Confluence) API token (`ATATT3…`).',
    samples: { positive: [call('ATATT3{{b64url:186}}')], negative: [call('ATATT3xFfGF0YOUR_TOKEN')] },
    patterns: [{ anchor: 'ATATT3', source: `ATATT3[${B64URL}=]{186}` }],
  },
  {
    id: 'contentful-pat',
    provider: 'Contentful',
    title: 'Contentful management token',
    keyName: 'CONTENTFUL_MANAGEMENT_TOKEN',
    keepPrefix: 6,
    description:
      'A Contentful personal access (management) token (`CFPAT-…`), which can change content. Delivery API tokens are read-only and not reported.',
    samples: { positive: [call('CFPAT-{{b64url:43}}')], negative: [call('CFPAT-YOUR_MANAGEMENT_TOKEN')] },
    patterns: [{ anchor: 'CFPAT-', source: `CFPAT-[${B64URL}]{43}` }],
  },
  {
    id: 'mailchimp-api-key',
    provider: 'Mailchimp',
    title: 'Mailchimp API key',
    keyName: 'MAILCHIMP_API_KEY',
    keepPrefix: 0,
    description: 'A Mailchimp Marketing API key (32 hex digits then `-us<n>`).',
    samples: { positive: [call('{{hex:32}}-us14')], negative: [call('00000000000000000000000000000000-us1')] },
    patterns: [{ anchor: '-us', back: 32, source: '[0-9a-f]{32}-us[0-9]{1,2}' }],
  },
  {
    id: 'openrouter-api-key',
    provider: 'OpenRouter',
    title: 'OpenRouter API key',
    keyName: 'OPENROUTER_API_KEY',
    keepPrefix: 9,
    description: 'An OpenRouter API key (`sk-or-v1-…`).',
    samples: { positive: [call('sk-or-v1-{{hex:64}}')], negative: [call('sk-or-v1-YOUR_KEY')] },
    patterns: [{ anchor: 'sk-or-v1-', source: 'sk-or-v1-[a-f0-9]{64}' }],
  },
  {
    id: 'perplexity-api-key',
    provider: 'Perplexity',
    title: 'Perplexity API key',
    keyName: 'PERPLEXITY_API_KEY',
    keepPrefix: 5,
    description: 'A Perplexity API key (`pplx-…`).',
    samples: { positive: [call('pplx-{{alnum:48}}')], negative: [call('pplx-YOUR_PERPLEXITY_KEY')] },
    patterns: [{ anchor: 'pplx-', source: `pplx-[${ALNUM}]{48}` }],
  },
  {
    id: 'xai-api-key',
    provider: 'xAI',
    title: 'xAI API key',
    keyName: 'XAI_API_KEY',
    keepPrefix: 4,
    description: 'An xAI (Grok) API key (`xai-…`).',
    samples: { positive: [call('xai-{{alnum:80}}')], negative: [call('xai-YOUR_XAI_KEY')] },
    patterns: [{ anchor: 'xai-', source: `xai-[${ALNUM}]{80}` }],
  },
  {
    id: 'elevenlabs-api-key',
    provider: 'ElevenLabs',
    title: 'ElevenLabs API key',
    keyName: 'ELEVENLABS_API_KEY',
    keepPrefix: 3,
    description: 'An ElevenLabs API key (`sk_` + 48 hex digits).',
    samples: { positive: [call('sk_{{hex:48}}')], negative: [call('sk_{{hex:24}}')] },
    patterns: [{ anchor: 'sk_', source: 'sk_[a-f0-9]{48}' }],
  },
  {
    id: 'langsmith-api-key',
    provider: 'LangSmith',
    title: 'LangSmith API key',
    keyName: 'LANGSMITH_API_KEY',
    keepPrefix: 8,
    description: 'A LangSmith personal or service key (`lsv2_pt_…`, `lsv2_sk_…`).',
    samples: {
      positive: [call('lsv2_pt_{{hex:32}}_{{hex:10}}'), call('lsv2_sk_{{hex:32}}_{{hex:10}}')],
      negative: [call('lsv2_pt_YOUR_KEY')],
    },
    patterns: ['lsv2_pt_', 'lsv2_sk_'].map((a) => ({ anchor: a, source: `${a}[a-f0-9]{32}_[a-f0-9]{10}` })),
  },
  {
    id: 'pinecone-api-key',
    provider: 'Pinecone',
    title: 'Pinecone API key',
    keyName: 'PINECONE_API_KEY',
    keepPrefix: 5,
    description: 'A Pinecone API key (`pcsk_…`).',
    samples: { positive: [call('pcsk_{{alnum:5}}_{{alnum:65}}')], negative: [call('pcsk_YOUR_KEY')] },
    patterns: [{ anchor: 'pcsk_', source: `pcsk_[${ALNUM}]{5,6}_[${ALNUM}]{60,70}` }],
  },
  {
    id: 'brevo-api-key',
    provider: 'Brevo',
    title: 'Brevo (Sendinblue) API key',
    keyName: 'BREVO_API_KEY',
    keepPrefix: 8,
    description: 'A Brevo (formerly Sendinblue) API key (`xkeysib-…`).',
    samples: { positive: [call('xkeysib-{{hex:64}}-{{alnum:16}}')], negative: [call('xkeysib-YOUR_BREVO_KEY')] },
    patterns: [{ anchor: 'xkeysib-', source: `xkeysib-[a-f0-9]{64}-[${ALNUM}]{16}` }],
  },
  {
    id: 'mailersend-api-key',
    provider: 'MailerSend',
    title: 'MailerSend API token',
    keyName: 'MAILERSEND_API_KEY',
    keepPrefix: 5,
    description: 'A MailerSend API token (`mlsn.…`).',
    samples: { positive: [call('mlsn.{{hex:64}}')], negative: [call('mlsn.YOUR_TOKEN')] },
    patterns: [{ anchor: 'mlsn.', source: 'mlsn\\.[a-f0-9]{64}' }],
  },
  {
    id: 'azure-storage-key',
    provider: 'Azure',
    title: 'Azure Storage account key',
    keyName: 'AZURE_STORAGE_KEY',
    keepPrefix: 0,
    description:
      'An Azure Storage account key in a connection string (`AccountKey=…==`); it grants full access to the account.',
    samples: {
      positive: [
        call('DefaultEndpointsProtocol=https;AccountName=app;AccountKey={{b64:86}}==;EndpointSuffix=core.windows.net'),
      ],
      negative: [call('DefaultEndpointsProtocol=https;AccountName=devstoreaccount1;AccountKey=<key>')],
    },
    patterns: [{ anchor: 'AccountKey=', boundary: false, source: 'AccountKey=([A-Za-z0-9+/]{86}==)', group: 1 }],
  },
  {
    id: 'fly-token',
    provider: 'Fly.io',
    title: 'Fly.io token',
    keyName: 'FLY_API_TOKEN',
    keepPrefix: 4,
    description: 'A Fly.io access token (`fo1_…`) or macaroon token (`fm1a_…`, `fm1r_…`, `fm2_…`).',
    samples: {
      positive: [call('fo1_{{b64url:43}}'), call('fm2_{{b64:120}}'), call('fm1r_{{b64:120}}')],
      negative: [call('fo1_YOUR_FLY_TOKEN')],
    },
    patterns: [
      { anchor: 'fo1_', source: `fo1_[${B64URL}]{43}` },
      ...['fm1a_', 'fm1r_', 'fm2_'].map((a) => ({ anchor: a, source: `${a}[${ALNUM}+/]{100,4000}={0,3}` })),
    ],
  },
];

/** GitLab: legacy tokens are 20 characters; longer ones are routable and carry a CRC-32. */
function validGitLabToken(value: string): boolean {
  const m = /^(glpat-|glrt-t[0-9]_|glrt-)/.exec(value);
  if (!m || !value.includes('.')) return true;
  return validGitLabRoutable(value, m[1]!.length);
}
